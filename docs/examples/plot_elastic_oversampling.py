"""
Elastic oversampling: SMOTE along a warping path
================================================

:class:`~sklstm.resampling.SequenceSMOTE` draws each new minority sequence
between a sequence and a same-class neighbour. With the default Euclidean
distance it averages the two step by step, so two peaks a few steps apart
become two half peaks, and the sequences must share one length. With
``distance="dtw"`` it aligns the two by dynamic time warping and averages along
the alignment: the peak stays one peak, moving between its parents' places,
and the new sequence's length lies between theirs.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklstm.resampling import SequenceSMOTE


def bump(length, centre):
    t = np.arange(length)
    return np.exp(-0.5 * ((t - centre) / 4.0) ** 2)


# %%
# A minority class of two sequences, one peak each, at different places; the
# majority class is noise. Euclidean SMOTE needs one length (100 steps); DTW
# SMOTE takes the first one at 70 steps.
rng = np.random.RandomState(0)
noise = [0.1 * rng.normal(size=100) for _ in range(20)]
y = [0] * 20 + [1, 1]
straight, _ = SequenceSMOTE(k_neighbors=1, random_state=0).fit_resample(
    np.array([*noise, bump(100, 25), bump(100, 65)]), y
)
elastic, _ = SequenceSMOTE(k_neighbors=1, distance="dtw", random_state=0).fit_resample(
    [*noise, bump(70, 20), bump(100, 65)], y
)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, new, parents, title in (
    (axes[0], straight[22:], straight[20:22], 'distance="euclidean"'),
    (axes[1], elastic[22:], elastic[20:22], 'distance="dtw"'),
):
    for x in new[:6]:
        ax.plot(x, color="tab:orange", alpha=0.6)
    for x in parents:
        ax.plot(x, color="black", lw=2)
    ax.set(title=title, xlabel="step")
axes[0].set_ylabel("value")
fig.suptitle("Parents (black) and new sequences (orange)")
fig.tight_layout()

print("lengths of the DTW mixes:", sorted({len(x) for x in elastic[22:]}))
print("highest point of each Euclidean mix:", np.round(straight[22:28].max(axis=1), 2))

"""LSTMSequenceClassifier: the scikit-learn face of the LSTM."""

import dataclasses
import functools
import io
import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from sklstm._atomic_fit import atomic_fit
from sklstm._batching import epoch_batches, stratified_split
from sklstm._collapse import warn_if_collapsed
from sklstm._compat import (
    HasMethods,
    Interval,
    StrOptions,
)
from sklstm._early_stopping import Convergence, KeptEpoch
from sklstm._encoding import InputEncoder
from sklstm._labels import plain
from sklstm._losses import (
    Objective,
    log_prior_offset,
    loss_weights,
    normalized_weights,
)
from sklstm._network import LSTMNetwork
from sklstm._optim import OPTIMIZERS, make_optimizer, make_scheduler, resume
from sklstm._priors import correct, effective_prior, fitted_prior, target_prior
from sklstm._runtime import (
    make_generator,
    seeded_torch,
    torch_threads,
)
from sklstm._scoring import check_scoring_on, scorer_names
from sklstm._sequences import (
    Sequences,
    validate_sequences,
    validate_tokens,
)
from sklstm._spec import resolve
from sklstm._training import LabelledSequences, Trainer, predict_proba, run_epochs
from sklstm._warnings import warn
from sklstm.exceptions import FitInterrupted

# early_stopping: patience covers at least this share of the fit's epochs, and
# the refit trains at least this share of them (measured in
# benchmarks/results/early_stopping.md).
PATIENCE_SHARE, REFIT_SHARE = 0.2, 0.75


@dataclass(frozen=True)
class _Prepared:
    """What ``fit`` knows before it builds a network."""

    sequences: Sequences
    vocabulary: np.ndarray | None  # token ids seen, with embedding_dim
    classes: np.ndarray
    train: LabelledSequences
    valid: LabelledSequences | None
    augmenter: object  # fitted clone of ``augment``, or None
    rng: np.random.RandomState
    history: list  # of the earlier fits a warm start continues
    effective_prior: np.ndarray  # the prior the training objective implies
    target_prior: np.ndarray | None  # what prior_correction moves them to


def _check_declared_classes(classes, y):
    """The sorted unique ``classes`` of ``partial_fit``, checked against ``y``."""
    classes = np.asarray(classes)
    if classes.dtype.kind == "f" and not np.all(np.isfinite(classes)):
        raise ValueError(f"classes must be finite labels; got {classes.tolist()!r}.")
    textual = {isinstance(c, str) for c in classes.tolist()}
    y_textual = {isinstance(c, str) for c in np.asarray(y).tolist()}
    if len(textual) > 1 or (y_textual and textual != y_textual):
        raise ValueError(
            f"classes {classes.tolist()!r} must be labels of one type, the type of "
            f"y ({np.asarray(y).dtype})."
        )
    return np.unique(classes)


class LSTMSequenceClassifier(ClassifierMixin, BaseEstimator):
    """Sequence classifier that trains a PyTorch LSTM.

    Reads each sequence step by step with an LSTM, summarises it (see
    ``pooling``) and maps the summary to class probabilities. Built for
    imbalanced data: ``class_weight`` and ``sample_weight`` reach the loss,
    early stopping can monitor a minority-aware metric on a stratified split,
    and a warning flags a model that predicts one class for everything.

    Parameters
    ----------
    hidden_size : int, default=32
        Units in each LSTM layer (and direction).
    num_layers : int, default=1
        Stacked LSTM layers.
    bidirectional : bool or 'auto', default='auto'
        Also read each sequence backwards. ``'auto'``: True for token ids
        (``embedding_dim``), where a keyword anywhere must reach the summary,
        False for real values.
    dropout : float, default=0.0
        Dropout probability between LSTM layers and before the linear head.
    pooling : {'auto', 'last', 'mean', 'max', 'attention'}, default='auto'
        The summary fed to the head. ``'auto'``: ``'max'`` for token ids
        (``embedding_dim``), ``'last'`` for real values. ``'last'``: the
        forward direction's state at each sequence's true last step and, if
        bidirectional, the backward direction's state at its first step.
        ``'mean'``/``'max'``: pooled LSTM outputs over each sequence's real
        steps only. ``'attention'``: outputs weighted by learned scores,
        softmax over real steps. Padding never enters.
    downsample : int or 'auto', default='auto'
        Read long series at a coarser step: the LSTM reads each run of
        ``downsample`` consecutive steps averaged into one (over real steps
        only, so a sequence of ``t`` steps becomes ``ceil(t / downsample)``),
        and the FCN branch, whose first block still reads every step,
        max-pools that block's output in runs of the same size before its two
        wide blocks. A step of training then costs a fraction on long series,
        and the branch's kernels span a wider stretch of the series.
        ``'auto'``: for real values, ``ceil(t / 64)``, at most 4, or
        ``ceil(t / 128)`` when that is more, where ``t`` is the median
        training length: 1 (none) up to 64 steps, 2 up to 128, 3 up to 192, 4
        up to 512 and ``ceil(t / 128)`` beyond (16 for 2000 steps), so longer
        series are read as 33 to 128 steps; 1 for token ids
        (``embedding_dim``). The value used is
        ``resolved_params_['downsample']``.
    conv_layers : int, default=0
        Strided 1-D convolutions (+ ReLU) before the LSTM: each learns local
        shapes and divides the length by ``conv_stride``, so long series reach
        the LSTM shorter. 0: none.
    conv_channels : int, default=32
        Filters per convolution of the front end.
    conv_kernel_size : int, default=5
        Kernel size of the front end's convolutions.
    conv_stride : int, default=2
        Stride of the front end's convolutions.
    fcn_width : int, 'auto' or None, default='auto'
        The fully convolutional branch of LSTM-FCN (Karim et al. 2018) beside
        the LSTM: three Conv1d + BatchNorm + ReLU blocks of ``fcn_width``,
        ``2 * fcn_width`` and ``fcn_width`` filters (kernels 8, 5, 3) on the
        input, globally average-pooled over real steps (batch statistics count
        real steps only) and concatenated with the LSTM summary before the
        head. ``'auto'``: 64 for real-valued input, no branch for token ids
        (``embedding_dim``). The branch learns local shapes that an LSTM reading
        a long series step by step forgets; see "Defaults on real series" in
        the README for what it adds on the UCR suite. None: no branch.
    normalize : {None, 'sequence'}, default=None
        ``'sequence'``: z-normalise each sequence, per channel over its real
        steps (as the UCR archive prepares its series), in ``fit`` and
        prediction alike; a constant channel becomes zeros. Copies X.
    embedding_dim : int, 'auto' or None, default=None
        Read token sequences: X holds integer token ids >= 1, as a list of 1-D
        arrays or a 2-D array padded with 0 (pre- or post-padding; zeros are
        dropped). Each id is embedded in ``embedding_dim`` dimensions; the
        vocabulary (``vocabulary_``) is the set of ids seen at least
        ``min_token_count`` times in ``fit``, and all other ids share one
        unknown-token embedding (see ``min_token_count``). ``'auto'``: 16
        dimensions, or as many as the vocabulary has tokens when it has fewer
        (a wider embedding of a few tokens adds nothing); wider embeddings
        fitted worse on text of thousands of distinct words (see the text
        guide). ``None``: X holds real-valued features.
    position_embedding : bool or 'auto', default='auto'
        Add a learned embedding of each step's position (counted from a
        sequence's first token) to the token embeddings, so that the network
        knows *where* a token is: in fixed-length windows (a DNA window
        centred on a site, fixed-format codes) the same token means different
        things at different positions, and an LSTM cannot count to a position
        reliably. The table has one row per step of the longest training
        sequence; later steps share its last row. ``'auto'``: True for token
        ids (``embedding_dim``) when every training sequence of the fit that
        builds the network has the same length, False for variable-length
        token sequences (text, where a word means the same wherever it
        stands) and for real values; a first ``partial_fit`` on a batch of a
        few sequences may happen to hold equal lengths, so set it explicitly
        there. True needs ``embedding_dim``.
    min_token_count : int, default=2
        With ``embedding_dim``: token ids seen fewer times than this in the
        ``fit`` that builds the network are read as unknown. They share one
        embedding with the ids that ``fit`` never saw; trained on them, it
        learns what an unseen token (a phone number, a typo, a new code) tends
        to mean, where each rare id would keep a row of its own that one
        sequence barely moved from its random start. With 1 every id seen in
        ``fit`` keeps its own row, and the unknown-token row, which starts at
        zeros, learns only from ids that later ``partial_fit`` batches bring.
        The vocabulary is fixed by the fit that builds the network: for a
        first ``partial_fit`` on a small batch, consider 1. Ignored for real
        values.
    token_dropout : float or 'auto', default='auto'
        With ``embedding_dim``: in training, each token of each batch is
        blanked (read as a zero vector, as padding is) with this probability
        (word dropout), drawn afresh every batch and reproducibly with
        ``random_state``; never in prediction. The network cannot then lean
        on the one or two words of each training sequence that it has
        memorised, and learns from all of them. ``'auto'``: 0.3 for
        variable-length token sequences (text), 0 when every training
        sequence of the fit that builds the network has the same length
        (fixed-length windows, where each step's token is what the network
        reads at that position, and blanking it costs accuracy; see the text
        guide). Ignored for real values.
    max_epochs : int or None, default=None
        Passes over the training data in one ``fit`` (fewer with early
        stopping). ``None``: as many whole epochs as ``max_steps`` needs.
    max_steps : int or 'auto', default='auto'
        The training budget in optimizer steps when ``max_epochs`` is None:
        ``fit`` runs ``ceil(max_steps / batches per epoch)`` epochs, so 30
        training sequences get hundreds of epochs. Ignored when
        ``max_epochs`` is set. ``'auto'``: for real values with the FCN
        branch 700 times ``sqrt(n_classes / 4)`` (700 up to 4 classes, 1050
        for 9, 2128 for 37), and at least 60 epochs (6780 steps for 1800
        series); 700 without the branch (``fcn_width=None``); 1000 for token
        ids (``embedding_dim``).
    batch_size : int, default=16
        Sequences per gradient step; prediction uses batches of the same size.
        Small batches give small training sets many steps per epoch (the
        choice of the FCN and ResNet baselines of Wang et al. 2017).
    learning_rate : float or 'auto', default='auto'
        Step size of the optimizer (the peak of a schedule), in (0, 1000].
        ``'auto'``: 1e-2, or 3e-3 for real values without the FCN branch
        (``fcn_width=None``). For token ids (``embedding_dim``) each embedding
        row learns only from the batches its token is in, and at 3e-3 the
        network memorises the training documents rather than the words that
        matter; with the FCN branch (BatchNorm) 1e-2 learns in 700 steps what
        3e-3 needed 1000 for; a plain LSTM at 1e-2 fits the noise of a faint
        signal (see the estimator guide).
    lr_schedule : {'constant', 'cosine', 'onecycle'}, default='onecycle'
        Learning rate over the batches of one ``fit``: ``'cosine'`` rises
        linearly for ``warmup_fraction`` of the steps, then follows a cosine to
        zero; ``'onecycle'`` (Smith 2018, like
        :class:`torch.optim.lr_scheduler.OneCycleLR` without momentum cycling)
        rises on a cosine from ``learning_rate / 25`` for ``warmup_fraction`` of
        the steps, then anneals to ``learning_rate / 25e4``.
    warmup_fraction : float, default=0.1
        Share of the steps spent rising in ``'cosine'`` and ``'onecycle'``.
    optimizer : {'adam', 'adamw', 'sgd'}, default='adam'
        ``'adam'`` adds ``weight_decay`` to the gradient (L2 penalty);
        ``'adamw'`` decays the weights directly (decoupled weight decay).
    momentum : float, default=0.9
        Momentum of ``'sgd'``; ignored by the other optimizers.
    weight_decay : float, default=0.0
        L2 regularisation strength passed to the optimizer.
    l1 : float, default=0.0
        L1 penalty: ``l1 * sum(|w|)`` over every weight matrix (not biases) is
        added to each batch's loss.
    clip_grad_norm : float or None, default=5.0
        Rescale gradients whose global L2 norm exceeds this; ``None`` disables.
    augment : sklstm augmenter or None, default=None
        Augmentation applied on the fly to every training batch of every epoch
        (e.g. ``GaussianNoise()``, ``ChainAugmenter([...])``); never to the
        validation split or to prediction data. Cloned and fitted on the
        training rows of each ``fit``; its randomness follows ``random_state``.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, ``{label: weight}``. ``'balanced'``
        uses ``n_samples / (n_classes * count(label))`` computed from the labels
        of this call to ``fit`` (so each cross-validation fold gets its own).
        Multiplied with ``sample_weight``; the product is rescaled to mean 1
        over the training rows, so weights do not change the step size.
    loss : {'cross_entropy', 'focal'}, default='cross_entropy'
        ``'focal'``: focal loss (Lin et al. 2017), each sample's cross-entropy
        times ``(1 - p_true) ** focal_gamma``, so well-classified (mostly
        majority) sequences count less. Combines with ``class_weight``,
        ``sample_weight``, ``label_smoothing`` and ``logit_adjustment``.
    focal_gamma : float, default=2.0
        Focusing strength of ``loss='focal'``; 0 gives cross-entropy.
    label_smoothing : float, default=0.0
        Share of each target spread uniformly over the classes.
    logit_adjustment : float, default=0.0
        ``tau`` of logit-adjusted loss (Menon et al. 2021): the loss sees the
        logits plus ``tau * log(class prior)``, the priors being the class
        frequencies of the training rows of this fit; predictions use the raw
        logits, which moves them toward rare classes. 0 disables; 1 is the
        paper's choice.
    prior_correction : bool or dict, default=False
        Make ``predict_proba`` estimate probabilities under the class
        frequencies the model will meet, not under the balanced world an
        imbalance cure trains in. ``True``: probabilities are moved from the
        effective training prior (``effective_prior_``) to the class
        frequencies of the training labels (``target_prior_``) by Bayes' rule,
        ``p * target / effective``, renormalised. The effective prior starts
        from what class weights, sample weights, ``balanced_batches`` and
        ``logit_adjustment`` make of the training labels, and is refined on the
        training rows after the fit (one extra pass over them) until the mean
        corrected probability of each class is its frequency there: a real
        network lands between the prior its objective implies and the
        frequencies. A dict ``{label: prior}`` gives the deployment prior
        explicitly, for every class; use it after a sampler in a pipeline,
        where the classifier sees resampled labels, or when the class
        frequencies in use differ from those of the training data.
        ``predict`` keeps the decision rule the cure chose (the argmax of the
        uncorrected probabilities), so balanced accuracy does not change; the
        argmax of the corrected probabilities favours the majority again. For
        another decision rule tune a threshold on the corrected probabilities
        with :class:`sklearn.model_selection.TunedThresholdClassifierCV`. The
        correction moves probabilities as a whole; over- or under-confidence
        (from focal loss, label smoothing or overfitting) needs calibration
        (:class:`sklearn.calibration.CalibratedClassifierCV`).
    balanced_batches : bool, default=False
        Draw each epoch's batches with the classes in near-equal numbers (rare
        classes drawn with replacement, common ones subsampled), afresh every
        epoch and reproducibly with ``random_state``. Only row indices are
        drawn; no data is copied. An epoch then has about as many rows as the
        training data.
    bucket_by_length : bool, default=True
        For variable-length sequences, sort each window of 50 batches of the
        shuffled training rows by length before cutting the batches, then
        shuffle the batches: far less padding per batch at the same
        randomness of epochs. No effect on equal-length data or with
        ``balanced_batches``.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data and
        score each epoch of the network trained on the rest with ``scoring``:
        the best epoch is the best scored (one whose validation predictions
        collapsed onto one class never beats one that did not), and training
        stops once ``n_iter_no_change`` epochs (at least a fifth of the fit's)
        have not improved on it by ``tol``, never within the learning-rate
        warm-up. Then, with ``refit`` (the default), a fresh network is
        trained on all the training data for as many epochs as led to the
        best one, at least three quarters of the fit's; without ``refit``, or
        when ``warm_start`` continues a fitted network, the best epoch's
        weights are restored. Without early stopping nothing is held out. A
        class with a single sample cannot be split: it stays wholly in
        training, with a warning; if no class can be split, training runs
        without early stopping, with a warning.
    validation_fraction : float, default=0.1
        Share of each class held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before early stopping (or a fifth of the
        fit's epochs, if more), and epochs below ``convergence_loss`` before a
        converged fit stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored quantity.
    refit : bool, default=True
        With ``early_stopping``: once the validation split has chosen the
        training length, train a fresh network on all the training data (the
        held-out series included) for that length. The held-out series then
        teach the model too, which decides the fit where a class has a few
        series. The fit costs the epochs to the stop plus those of the refit
        (at least three quarters of the budget), so it takes longer than a fit
        without early stopping (the imbalance guide). False keeps the best
        epoch's weights of the network that never saw the held-out series.
    convergence_loss : float or None, default=1e-3
        A fit stops before its budget once the training cross-entropy (the
        mean over an epoch's predictions, weighted as the loss is) has stayed
        below this for ``n_iter_no_change`` epochs: the training data are
        fitted, and further steps change the network little. That epoch's
        ``history_`` entry says ``'converged': True``. Needs no validation
        split; applies with and without ``early_stopping``. ``None``: always
        train the whole budget. On the benchmark suite it cut the fits of the
        sets that are learnt early 2-9x and moved no set's mean balanced
        accuracy by more than 0.02 (see the estimator guide).
    scoring : str or callable, default='loss'
        Monitored on the validation split: ``'loss'`` (the validation loss
        weighted as the training loss is, lower is better: with
        ``class_weight='balanced'`` each class counts equally, so it watches the
        minority class as closely as the majority) or any scikit-learn scorer
        name such as ``'balanced_accuracy'``, ``'f1_macro'`` or
        ``'roc_auc_ovr'``, or a callable ``scorer(estimator, X, y)`` (higher is
        better), such as one made by :func:`sklearn.metrics.make_scorer`. Each
        epoch it is called with a stand-in ``estimator`` whose ``classes_``,
        ``predict`` and ``predict_proba`` answer with the network's predictions
        on the validation split (whatever X they are given), ``X`` a placeholder
        of zeros of shape ``(n_validation, 1)``, and ``y`` the validation
        labels. The scorer is tried on the validation labels before training, so
        a scorer that cannot score them (``'roc_auc'`` with three classes) is a
        ``ValueError`` naming ``scoring``. An epoch scored NaN never counts as
        the best.
    warm_start : bool, default=False
        When True, ``fit`` continues training the existing network (and
        optimizer state) for another ``max_epochs`` epochs (or ``max_steps``
        steps) instead of starting anew. The classes must stay the same; the
        network's shape parameters are those of the first fit, while
        ``learning_rate``, ``weight_decay``, ``momentum`` and ``optimizer``
        take their current values.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the network runs; ``'auto'`` picks ``'cuda'`` when available.
    n_threads : int or None, default=None
        Torch intra-op threads during ``fit`` and prediction (restored
        afterwards). ``None`` leaves torch's setting alone. A search with
        ``n_jobs`` in joblib's default process workers needs nothing: joblib
        gives each worker ``cores // n_jobs`` threads. In threads (joblib's
        threading backend), where the count is one setting for the process,
        set it once with :func:`torch.set_num_threads` before the search (see
        "Fits in parallel" in the estimator guide).
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split, the network's initial weights, dropout and
        the order of the training samples: an int makes ``fit`` reproducible
        bit for bit on the CPU.
    verbose : int, default=0
        ``1`` shows a progress bar with the live loss and score.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Number of time steps of the fixed-length arrays seen in ``fit``; not set
        after fitting on variable-length sequences.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a 2-D dataframe X. Only defined for dataframes.
    n_channels_ : int
        Features per time step (1 for token ids).
    vocabulary_ : ndarray of shape (n_tokens,)
        Sorted token ids seen at least ``min_token_count`` times in ``fit``;
        only with ``embedding_dim``. Other ids read as unknown.
    module_ : torch.nn.Module
        The trained network (:class:`sklstm._network.LSTMNetwork`).
    optimizer_ : torch.optim.Optimizer
        The optimizer, kept for ``warm_start`` and ``partial_fit``. Pickles
        carry it only when ``warm_start=True``; an unpickled model without it
        continues training with a fresh optimizer.
    device_ : str
        The device the network lives on.
    history_ : list of dict
        One entry per epoch: ``epoch``, ``train_loss``, ``learning_rate`` (at
        the epoch's end), ``train_recall`` (per
        class, from the predictions made while training),
        ``train_balanced_accuracy``, ``train_class_counts`` (rows of each class
        seen in the epoch), ``train_majority_share`` (share of
        predictions going to the most-predicted class), ``duration`` (seconds)
        and, with a validation split, ``valid_loss``, ``valid_recall``,
        ``valid_balanced_accuracy``, ``valid_class_counts``,
        ``valid_majority_share`` and ``valid_score``
        (when ``scoring`` is not ``'loss'``); the epoch a converged fit
        stopped at also says ``converged: True`` (see ``convergence_loss``),
        and the epochs of an early-stopped fit's refit (see ``refit``) say
        ``refit: True``.
    resolved_params_ : dict
        Each parameter set to ``'auto'``, with the value the last ``fit`` (or
        ``partial_fit``) used: ``fcn_width``, ``downsample``, ``max_steps``
        (the budget in steps), ``learning_rate``, ... An estimator given these
        values in place of ``'auto'`` trains the same network the same way.
    n_epochs_ : int
        Epochs trained so far (over all warm starts and partial fits; an
        interrupted epoch counts).
    best_epoch_ : int
        Epoch whose weights the model holds: the best one with early stopping
        and ``refit=False``, else the last complete one (0 if ``fit`` was
        interrupted in its first epoch).
    effective_prior_ : ndarray of shape (n_classes,)
        The class prior the uncorrected probabilities assume, from the
        training rows of the last fit: the one the training objective implies,
        refined on those rows with ``prior_correction`` (see there).
    target_prior_ : ndarray of shape (n_classes,) or None
        The prior ``predict_proba`` is corrected to; None without
        ``prior_correction``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Feed-forward network on flat features.

    Notes
    -----
    Input layouts: a 3-D array ``(n_samples, n_timesteps, n_features)``, a 2-D
    array ``(n_samples, n_timesteps)`` of univariate sequences, or a list of
    arrays of different lengths, each ``(t_i, n_features)`` or ``(t_i,)``.
    Variable-length batches are packed, so padding never influences an output.
    Fixed-length arrays at prediction must have the length seen in ``fit``; a
    list of arrays may have any lengths.

    Scaling the input is the user's job: standardise each channel (e.g. with
    ``sklstm``'s preprocessing or a ``FunctionTransformer``) for inputs far from
    unit scale.

    At the end of ``fit`` a :class:`~sklstm.exceptions.CollapseWarning` is
    emitted when at least 99% of the predictions on the validation split (or,
    without one, those made during the last training epoch) go to one class
    while at least 2% of those sequences belong to other classes. A training
    loss that turns NaN raises :class:`~sklstm.exceptions.TrainingDivergedError`
    (a ``ValueError``).

    A ``fit`` or ``partial_fit`` that raises (bad input, a single class, a
    diverged loss ...) leaves the estimator exactly as it was before the call:
    a fitted model keeps its weights, classes, vocabulary and history.

    Interrupting ``fit`` (``KeyboardInterrupt``, Ctrl-C) ends training at once;
    the estimator is left fitted with the weights of a completed epoch (the
    best one so far while early stopping scores epochs, else the last
    completed one; the starting weights if no epoch completed), which
    ``best_epoch_`` names;
    ``history_`` ends with an entry ``{"epoch": k, "interrupted": True, ...}``
    for the unfinished epoch, and :class:`~sklstm.exceptions.FitInterrupted`
    (a ``KeyboardInterrupt``) is raised so that searches and scripts stop. The
    optimizer keeps its state at the interruption.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMSequenceClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 12, 2)).astype(np.float32)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = LSTMSequenceClassifier(hidden_size=8, max_epochs=20,
    ...                              learning_rate=0.02, random_state=0)
    >>> clf.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.score(X, y) > 0.8
    True
    """

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean", StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions({"auto", "last", "mean", "max", "attention"})],
        "downsample": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "conv_layers": [Interval(Integral, 0, None, closed="left")],
        "conv_channels": [Interval(Integral, 1, None, closed="left")],
        "conv_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "conv_stride": [Interval(Integral, 1, None, closed="left")],
        "fcn_width": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "normalize": [StrOptions({"sequence"}), None],
        "embedding_dim": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "position_embedding": ["boolean", StrOptions({"auto"})],
        "min_token_count": [Interval(Integral, 1, None, closed="left")],
        "token_dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "max_steps": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, 1e3, closed="right"), StrOptions({"auto"})],
        "lr_schedule": [StrOptions({"constant", "cosine", "onecycle"})],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "augment": [HasMethods(["fit_padded", "augment_padded"]), None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "loss": [StrOptions({"cross_entropy", "focal"})],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "logit_adjustment": [Interval(Real, 0, None, closed="left")],
        "prior_correction": ["boolean", dict],
        "balanced_batches": ["boolean"],
        "bucket_by_length": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "refit": ["boolean"],
        "convergence_loss": [Interval(Real, 0, None, closed="neither"), None],
        "scoring": [StrOptions(scorer_names()), callable],
        "warm_start": ["boolean"],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_size=32,
        num_layers=1,
        bidirectional="auto",
        dropout=0.0,
        pooling="auto",
        downsample="auto",
        conv_layers=0,
        conv_channels=32,
        conv_kernel_size=5,
        conv_stride=2,
        fcn_width="auto",
        normalize=None,
        embedding_dim=None,
        position_embedding="auto",
        min_token_count=2,
        token_dropout="auto",
        max_epochs=None,
        max_steps="auto",
        batch_size=16,
        learning_rate="auto",
        lr_schedule="onecycle",
        warmup_fraction=0.1,
        optimizer="adam",
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        clip_grad_norm=5.0,
        augment=None,
        class_weight=None,
        loss="cross_entropy",
        focal_gamma=2.0,
        label_smoothing=0.0,
        logit_adjustment=0.0,
        prior_correction=False,
        balanced_batches=False,
        bucket_by_length=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        refit=True,
        convergence_loss=1e-3,
        scoring="loss",
        warm_start=False,
        device="cpu",
        n_threads=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.downsample = downsample
        self.conv_layers = conv_layers
        self.conv_channels = conv_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_stride = conv_stride
        self.fcn_width = fcn_width
        self.normalize = normalize
        self.embedding_dim = embedding_dim
        self.position_embedding = position_embedding
        self.min_token_count = min_token_count
        self.token_dropout = token_dropout
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.warmup_fraction = warmup_fraction
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.l1 = l1
        self.clip_grad_norm = clip_grad_norm
        self.augment = augment
        self.class_weight = class_weight
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.label_smoothing = label_smoothing
        self.logit_adjustment = logit_adjustment
        self.prior_correction = prior_correction
        self.balanced_batches = balanced_batches
        self.bucket_by_length = bucket_by_length
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.refit = refit
        self.convergence_loss = convergence_loss
        self.scoring = scoring
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of arrays
            Training sequences; a list of ``(t_i, n_features)`` or ``(t_i,)``
            arrays for variable lengths.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sequence loss weights, multiplied with
            ``class_weight``.

        Returns
        -------
        self : LSTMSequenceClassifier
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight)

    @atomic_fit(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch on ``X``, ``y``, continuing from the current state.

        No validation split is made, early stopping does not apply, the
        learning rate stays constant (``lr_schedule`` spans the epochs of one
        ``fit``) and the collapse guard stays silent (one epoch is too early
        to judge).

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels; all must be among ``classes`` (or ``classes_``).
        classes : array-like of shape (n_classes,), default=None
            Every class that can ever appear. Needed on the first call when
            ``y`` does not hold them all; ``None`` then takes the labels of
            ``y``. On later calls it must match ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sequence loss weights.

        Returns
        -------
        self : LSTMSequenceClassifier
            The updated classifier.
        """
        return self._fit(X, y, sample_weight, classes=classes, incremental=True)

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float64
            Rows sum to one; columns follow ``classes_``. Corrected to
            ``target_prior_`` with ``prior_correction``.
        """
        proba = self._uncorrected_proba(X)
        if getattr(self, "target_prior_", None) is None:  # older pickles lack it
            return proba
        return correct(proba, self.effective_prior_, self.target_prior_)

    def _uncorrected_proba(self, X):
        check_is_fitted(self)
        sequences, _, _ = self._validate_X(X, reset=False)
        with torch_threads(self.n_threads):
            return predict_proba(self.module_, sequences, self.batch_size, self.device_)

    def predict(self, X):
        """Most probable class of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels: the argmax of the uncorrected probabilities
            (see ``prior_correction``).
        """
        check_is_fitted(self)
        if getattr(self, "target_prior_", None) is None:
            proba = self.predict_proba(X)
        else:
            proba = self._uncorrected_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def __getstate__(self):
        # Torch objects travel as one torch.save blob, so that a model fitted on
        # a GPU unpickles on a machine without one (see __setstate__). The
        # optimizer state (Adam's moments: twice the weights) only travels when
        # warm_start asks to continue training.
        state = dict(super().__getstate__())  # may be the live __dict__
        if not self.warm_start:
            state.pop("optimizer_", None)
        torch_state = {k: state.pop(k) for k in ("module_", "optimizer_") if k in state}
        if torch_state:
            buffer = io.BytesIO()
            torch.save(torch_state, buffer)
            state["_torch_state"] = buffer.getvalue()
        return state

    def __setstate__(self, state):
        blob = state.pop("_torch_state", None)
        if blob is not None:
            on_cpu = state.get("device_") == "cuda" and not torch.cuda.is_available()
            state.update(
                torch.load(
                    io.BytesIO(blob),
                    map_location="cpu" if on_cpu else None,
                    weights_only=False,
                )
            )
            if on_cpu:
                state["device_"] = "cpu"
        super().__setstate__(state)

    # -- fitting, step by step ------------------------------------------------

    def _fit(self, X, y, sample_weight, *, classes=None, incremental=False):
        """Prepare the data, build the network, train it, store the result.

        ``incremental`` (``partial_fit``): one epoch at a constant rate,
        continuing any fitted network, no validation split, no collapse guard.
        Nothing is assigned to ``self`` before the last step (``atomic_fit``
        undoes what scikit-learn's validation sets when a step raises).
        """
        warm = hasattr(self, "module_") and (incremental or self.warm_start)
        data = self._prepare(X, y, sample_weight, classes, warm, incremental)
        seed = data.rng.randint(np.iinfo(np.int32).max)
        steps_per_epoch = -(-len(data.train) // self.batch_size)
        params = self.get_params(deep=False)
        resolved = resolve(
            params,
            n_classes=len(data.classes),
            sequences=data.sequences,
            vocabulary=data.vocabulary,
            steps_per_epoch=steps_per_epoch,
            network=self.module_.spec if warm else None,
        )
        device = resolved.device
        n_epochs = 1 if incremental else self.max_epochs
        if n_epochs is None:
            n_epochs = -(-resolved.max_steps // steps_per_epoch)
        with torch_threads(self.n_threads):
            trainer = self._build(
                data, resolved, warm, incremental, seed, n_epochs * steps_per_epoch
            )
            kept, history, interrupted = self._train(data, trainer, n_epochs)
            chosen = kept
            if data.valid is not None and self.refit and not (warm or interrupted):
                data, trainer, kept, history, interrupted = self._refit(
                    data, resolved, chosen, history, n_epochs, seed
                )
            prior, target_prior, uncorrected = self._priors(
                data, trainer.module, device
            )

        history = data.history + history
        fitted = dict(
            classes_=data.classes,
            n_channels_=data.sequences.n_channels,
            module_=trainer.module,
            optimizer_=trainer.optimizer,
            device_=device,
            history_=history,
            resolved_params_=resolved.auto_values(params),
            n_epochs_=len(history),
            best_epoch_=kept.epoch,
            effective_prior_=prior,
            target_prior_=target_prior,
        )
        if data.vocabulary is not None:
            fitted["vocabulary_"] = data.vocabulary
        vars(self).update(fitted)

        self._report(data, chosen, kept, interrupted, uncorrected, incremental)
        return self

    def _priors(self, data, module, device):
        """The prior the fitted network's probabilities assume, the one
        ``prior_correction`` moves them to (None: no correction), and whether
        an interruption while the priors were fitted left the network
        without its correction."""
        prior, target = data.effective_prior, data.target_prior
        if target is None:
            return prior, None, False
        try:
            proba = predict_proba(module, data.sequences, self.batch_size, device)
            return fitted_prior(proba, data.train.y, prior), target, False
        except KeyboardInterrupt:
            return prior, None, True

    def _report(self, data, chosen, kept, interrupted, uncorrected, incremental):
        """After the fitted attributes are set: raise for an interrupted fit,
        warn about an unscored validation split or a collapsed model."""
        name = type(self).__name__
        if uncorrected:
            raise FitInterrupted(
                f"{name}.fit was interrupted while it fitted the "
                "priors of prior_correction, after training; the estimator keeps "
                f"the weights of epoch {kept.epoch} without the correction "
                "(target_prior_ is None): predict_proba gives the network's "
                "probabilities. Fit again for the correction."
            )
        if interrupted:
            raise FitInterrupted(
                f"{name}.fit was interrupted in epoch "
                f"{self.history_[-1]['epoch']}; the estimator keeps the weights of "
                f"epoch {kept.epoch} and can predict or continue training."
            )
        if chosen.unscored:
            warn(
                f"scoring={self.scoring!r} gave NaN on the validation split at "
                f"every epoch; early stopping chose epoch {chosen.epoch}, the "
                "first of this fit.",
                UserWarning,
            )
        if not incremental:
            warn_if_collapsed(name, data.classes, kept.guard, data.valid is not None)

    def _prepare(self, X, y, sample_weight, classes, warm, incremental):
        """Validated data, classes, loss weights, split and fitted augmenter."""
        sequences, y, vocabulary = self._validate_X(X, y, reset=not warm)
        check_classification_targets(y)
        classes = self._check_classes(y, classes, warm)
        y_encoded = np.searchsorted(classes, y).astype(np.int64)
        weights = loss_weights(
            y_encoded, classes, self.class_weight, sample_weight, sequences.values
        )
        rng = check_random_state(self.random_state)

        train_rows, valid_rows = np.arange(len(y_encoded)), ()
        if self.early_stopping and not incremental:
            train_rows, valid_rows = self._validation_split(y_encoded, classes, rng)
        weights = normalized_weights(weights, train_rows)
        valid = None
        if len(valid_rows):
            valid = LabelledSequences(sequences, y_encoded, weights, valid_rows)
            if self.scoring != "loss":
                check_scoring_on(self.scoring, classes, y_encoded[valid_rows])

        return _Prepared(
            sequences=sequences,
            vocabulary=vocabulary,
            classes=classes,
            train=LabelledSequences(sequences, y_encoded, weights, train_rows),
            valid=valid,
            augmenter=self._fitted_augmenter(sequences, train_rows),
            rng=rng,
            history=list(self.history_) if warm else [],
            effective_prior=self._effective_prior(
                y_encoded, weights, train_rows, len(classes)
            ),
            target_prior=target_prior(self.prior_correction, classes, y_encoded),
        )

    def _fitted_augmenter(self, sequences, rows):
        """A clone of ``augment`` fitted on ``rows`` (None without one)."""
        if self.augment is None:
            return None
        augmenter = clone(self.augment)
        if len(rows) == sequences.n_samples:
            augmenter.fit_padded(sequences.values, sequences.lengths)
        else:  # a copy of the rows
            augmenter.fit_padded(sequences.values[rows], sequences.lengths[rows])
        return augmenter

    def _effective_prior(self, y_encoded, weights, rows, n_classes):
        """The class prior the training objective implies on ``rows``."""
        return effective_prior(
            y_encoded[rows],
            None if weights is None else weights[rows],
            n_classes,
            balanced=self.balanced_batches,
            logit_adjustment=self.logit_adjustment,
        )

    def _build(self, data, resolved, warm, incremental, seed, total_steps):
        """The network, optimizer and schedule (over ``total_steps`` batches)
        of this fit (a :class:`~sklstm._spec.Resolved`), in a Trainer."""
        device = resolved.device
        settings = dict(
            lr=resolved.learning_rate,
            weight_decay=self.weight_decay,
            momentum=self.momentum,
        )
        if warm:
            module, optimizer = resume(
                self.module_,
                getattr(self, "optimizer_", None),
                device,
                self.optimizer,
                **settings,
            )
        else:
            with seeded_torch(seed, device):
                module = LSTMNetwork(resolved.network).to(device)
            optimizer = make_optimizer(module, self.optimizer, **settings)
        y_train = data.train.y[data.train.indices]
        objective = Objective(
            kind=self.loss,
            focal_gamma=self.focal_gamma,
            label_smoothing=self.label_smoothing,
            logit_offset=None
            if not self.logit_adjustment
            else log_prior_offset(y_train, len(data.classes), self.logit_adjustment),
        )
        return Trainer(
            module=module,
            optimizer=optimizer,
            objective=objective,
            classes=data.classes,
            batch_size=self.batch_size,
            device=device,
            scheduler=make_scheduler(
                optimizer,
                "constant" if incremental else self.lr_schedule,
                total_steps=total_steps,
                warmup_fraction=self.warmup_fraction,
            ),
            generator=make_generator(seed, device),
            augmenter=data.augmenter,
            l1=self.l1,
            clip_grad_norm=self.clip_grad_norm,
            learning_rate=resolved.learning_rate,
        )

    def _train(self, data, trainer, n_epochs):
        """Run the epochs; the module ends with the kept epoch's weights.

        Returns the :class:`KeptEpoch`, this fit's history and whether it was
        interrupted.
        """
        first_epoch = len(data.history) + 1
        patience = earliest_stop = None
        if data.valid is not None:
            patience = max(self.n_iter_no_change, math.ceil(PATIENCE_SHARE * n_epochs))
            if self.lr_schedule != "constant":  # no stop in the warm-up
                earliest_stop = first_epoch + math.ceil(self.warmup_fraction * n_epochs)
        kept = KeptEpoch(
            trainer.module,
            first_epoch,
            patience=patience,
            tol=self.tol,
            earliest_stop=earliest_stop,
        )
        lengths = None if data.sequences.equal_length else data.sequences.lengths
        history, interrupted = run_epochs(
            trainer,
            data.train,
            data.valid,
            range(first_epoch, first_epoch + n_epochs),
            kept,
            data.rng,
            batches_for=functools.partial(
                epoch_batches,
                data.train.indices,
                data.train.y,
                lengths,
                self.batch_size,
                balanced=self.balanced_batches,
                bucket=self.bucket_by_length,
            ),
            scoring=self.scoring,
            verbose=self.verbose,
            convergence=Convergence(self.convergence_loss, self.n_iter_no_change),
        )
        kept.restore(trainer.module)
        return kept, history, interrupted

    def _refit(self, data, resolved, chosen, history, n_epochs, seed):
        """After early stopping: a fresh network trained on every row of
        ``data`` (training and validation) for the epochs up to the ``chosen``
        one (a :class:`KeptEpoch`), at least ``REFIT_SHARE`` of ``n_epochs``.

        Returns the data of the refit (its history: the earlier fits' and the
        epochs of ``history``), its trainer and kept epoch, its own epochs
        (each entry says ``refit: True``) and whether it was interrupted.
        """
        rows = np.arange(data.sequences.n_samples)
        weights = normalized_weights(data.train.weights, rows)
        y_encoded = data.train.y
        full = dataclasses.replace(
            data,
            train=LabelledSequences(data.sequences, y_encoded, weights, rows),
            valid=None,
            augmenter=self._fitted_augmenter(data.sequences, rows),
            history=data.history + history,
            effective_prior=self._effective_prior(
                y_encoded, weights, rows, len(data.classes)
            ),
        )
        epochs = max(
            chosen.epoch - len(data.history), math.ceil(REFIT_SHARE * n_epochs)
        )
        steps_per_epoch = -(-len(rows) // self.batch_size)
        trainer = self._build(
            full, resolved, False, False, seed, epochs * steps_per_epoch
        )
        kept, refitted, interrupted = self._train(full, trainer, epochs)
        for entry in refitted:
            entry["refit"] = True
        return full, trainer, kept, refitted, interrupted

    def _validate_X(self, X, y=None, *, reset):
        """Sequences ready for the network (token ids mapped to embedding
        rows), ``y``, and the vocabulary (new on ``reset``; None for real
        values)."""
        if self.embedding_dim is None:
            if not isinstance(self.position_embedding, str) and self.position_embedding:
                raise ValueError(
                    "position_embedding=True embeds the positions of token ids; "
                    "it needs embedding_dim."
                )
            sequences, y = validate_sequences(self, X, y, reset=reset)
        else:
            if self.augment is not None:
                raise ValueError(
                    "augment works on real-valued sequences; it cannot be "
                    "combined with embedding_dim (token ids)."
                )
            sequences, y = validate_tokens(self, X, y, reset=reset)
        if reset:
            encoder = InputEncoder.fit(
                sequences,
                tokens=self.embedding_dim is not None,
                normalize=self.normalize,
                min_token_count=self.min_token_count,
            )
        else:
            encoder = self._input_encoder()
        return encoder.encode(sequences), y, encoder.vocabulary

    def _input_encoder(self):
        """The :class:`InputEncoder` of the fitted model: what ``predict``
        and :func:`sklstm.onnx.to_onnx` feed the network."""
        if self.embedding_dim is None:
            return InputEncoder(normalize=self.normalize)
        return InputEncoder(vocabulary=self.vocabulary_)

    def _check_classes(self, y, classes, warm):
        """The fitted classes: new on a fresh fit, checked on a warm one."""
        name = type(self).__name__
        seen = np.unique(y)
        if warm:
            if classes is not None and not np.array_equal(
                np.unique(classes), self.classes_
            ):
                raise ValueError(
                    f"classes={plain(classes)!r} differs from the classes of the "
                    f"earlier fit, {plain(self.classes_)!r}."
                )
            unknown = np.setdiff1d(seen, self.classes_)
            if len(unknown):
                raise ValueError(
                    f"y contains labels {plain(unknown)!r} not seen in the first fit "
                    f"(classes_ = {plain(self.classes_)!r}); a warm start cannot "
                    "add classes."
                )
            return self.classes_
        if classes is not None:
            classes = _check_declared_classes(classes, y)
            unknown = np.setdiff1d(seen, classes)
            if len(unknown):
                raise ValueError(
                    f"y contains labels {plain(unknown)!r} not in classes."
                )
            seen = classes
        if len(seen) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {plain(seen[0])!r}."
            )
        return seen

    def _validation_split(self, y_encoded, classes, rng):
        train_rows, valid_rows, too_small = stratified_split(
            y_encoded, self.validation_fraction, rng
        )
        if not len(valid_rows):
            warn(
                "No class has the 2 samples a stratified validation split needs; "
                "training without early stopping.",
                UserWarning,
            )
        elif too_small:
            warn(
                f"Classes {plain(classes[too_small])} have a single sample, too "
                "few for the stratified validation split: they stay wholly in "
                "training and are not monitored by early stopping.",
                UserWarning,
            )
        return train_rows, valid_rows

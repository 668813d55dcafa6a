"""
Text: a keyword anywhere in a message
=====================================

:class:`~sklstm.preprocessing.TextSequencer` turns documents into token-id
sequences for ``LSTMSequenceClassifier(embedding_dim=...)``. In this small
corpus 15% of the messages are spam, marked by one spam word anywhere among
4-12 ordinary words. For token ids the classifier's defaults read each
message both ways and pool over every step, so the word counts wherever it
stands.
"""

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.metrics import ConfusionMatrixDisplay, balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklstm import LSTMSequenceClassifier
from sklstm.preprocessing import TextSequencer

rng = np.random.RandomState(0)
words = "meeting lunch call today tomorrow report team coffee train late".split()
spam = "prize winner free cash".split()
texts, labels = [], []
for _ in range(400):
    message = list(rng.choice(words, size=rng.randint(4, 13)))
    is_spam = rng.rand() < 0.15
    if is_spam:
        message[rng.randint(len(message))] = rng.choice(spam)
    texts.append(" ".join(message))
    labels.append("spam" if is_spam else "ham")
labels = np.array(labels)
print(texts[:3])

texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.3, stratify=labels, random_state=0
)
model = make_pipeline(
    TextSequencer(),
    LSTMSequenceClassifier(
        embedding_dim=8,
        hidden_size=16,
        class_weight="balanced",
        max_steps=800,
        random_state=0,
    ),
).fit(texts_train, y_train)
predicted = model.predict(texts_test)
print("test balanced accuracy:", round(balanced_accuracy_score(y_test, predicted), 3))

# %%
ConfusionMatrixDisplay.from_predictions(y_test, predicted)
plt.show()

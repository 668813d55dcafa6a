"""Training: one epoch, one evaluation, and the loop over epochs."""

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from sklstm._batching import consecutive, iter_batches
from sklstm._labels import plain
from sklstm._losses import Objective
from sklstm._scoring import validation_score
from sklstm.augmentation._base import check_augmented
from sklstm.exceptions import TrainingDivergedError


@dataclass(frozen=True)
class LabelledSequences:
    """A subset of labelled sequences: training or validation data.

    ``y`` and ``weights`` cover every row of ``sequences``; ``indices`` picks the
    rows that belong to this subset, so a split copies no sequence data.
    ``weights`` are per-sample loss weights (sample weight times class weight),
    or ``None`` when all are equal.
    """

    sequences: object  # sklstm._sequences.Sequences
    y: np.ndarray  # int64 class indices
    weights: np.ndarray | None
    indices: np.ndarray

    def __len__(self):
        return len(self.indices)


@dataclass(frozen=True)
class Trainer:
    """Runs one training epoch or one evaluation of ``module``.

    Everything is built before the trainer: the optimizer, the per-batch
    ``scheduler`` (or None), the ``generator`` of the dropout masks, and the
    fitted ``augmenter`` applied to training batches (or None).
    """

    module: torch.nn.Module
    optimizer: torch.optim.Optimizer
    objective: Objective
    classes: np.ndarray
    batch_size: int
    device: str
    scheduler: object = None
    generator: object = None
    augmenter: object = None
    l1: float = 0.0
    clip_grad_norm: float | None = None
    learning_rate: float = 1e-3  # for the divergence message

    def train_epoch(self, train, batches, rng):
        """One pass over ``batches`` of ``train``'s rows; ``rng`` draws the
        augmentation. Returns the mean training loss, the mean cross-entropy
        of the predictions made while training (weighted as the loss is) and
        their (true x predicted) confusion counts."""
        n_classes = len(self.classes)
        module, device = self.module, self.device
        module.train()
        params = [p for p in module.parameters() if p.requires_grad]
        l1_params = [p for name, p in module.named_parameters() if "weight" in name]
        y = torch.from_numpy(train.y).to(device)
        weights = None
        if train.weights is not None:
            weights = torch.from_numpy(train.weights).to(device)
        augment = None
        if self.augmenter is not None:

            def augment(values, lengths):
                augmented = self.augmenter.augment_padded(values, lengths, rng)
                check_augmented(self.augmenter, values, augmented)
                return augmented

        loss_sum = torch.zeros((), device=device)
        cross_entropy_sum = torch.zeros((), device=device)
        confusion = torch.zeros(n_classes * n_classes, dtype=torch.int64, device=device)
        n_rows = 0
        for indices, x, lengths in iter_batches(
            train.sequences, batches, device, augment
        ):
            index = torch.from_numpy(indices).to(device)
            yb = y[index]
            logits = module(x, lengths, generator=self.generator)
            losses = self.objective(logits, yb)
            # What the convergence test reads: the loss itself, unless the
            # objective is more than the plain cross-entropy.
            if self.objective.is_cross_entropy:
                cross_entropy = losses.detach()
            else:
                cross_entropy = F.cross_entropy(logits.detach(), yb, reduction="none")
            if weights is not None:
                losses = losses * weights[index]
                cross_entropy = cross_entropy * weights[index]
            loss = losses.mean()
            self._step(loss, params, l1_params)
            loss_sum += loss.detach() * len(indices)
            cross_entropy_sum += cross_entropy.mean() * len(indices)
            confusion += _confusion(yb, logits.detach().argmax(dim=1), n_classes)
            n_rows += len(indices)
        return (
            loss_sum.item() / n_rows,
            cross_entropy_sum.item() / n_rows,
            confusion.cpu().numpy().reshape(n_classes, n_classes),
        )

    def _step(self, loss, params, l1_params):
        objective = loss
        if self.l1:
            objective = loss + self.l1 * sum(p.abs().sum() for p in l1_params)
        self.optimizer.zero_grad(set_to_none=True)
        objective.backward()
        if self.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, self.clip_grad_norm)
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()

    def evaluate(self, valid):
        """Float64 logits of ``valid``'s rows, their class indices and their
        weighted mean loss."""
        logits = predict_logits(
            self.module, valid.sequences, self.batch_size, self.device, valid.indices
        ).double()
        y = torch.from_numpy(valid.y[valid.indices])
        weights = None
        if valid.weights is not None:
            weights = torch.from_numpy(valid.weights[valid.indices])
        return logits, y, _weighted_mean(self.objective(logits, y), weights).item()

    def diverged(self, epoch, what, value):
        return TrainingDivergedError(
            f"The {what} became {value} at epoch {epoch}, so training was stopped. "
            f"Try a lower learning_rate (now {self.learning_rate:g}), "
            "gradient clipping (clip_grad_norm), or scaling the input "
            "(e.g. per-channel standardisation)."
        )


def predict_logits(module, sequences, batch_size, device, indices=None):
    """Logits of the sequences (or of rows ``indices``), in eval and inference mode.

    Ragged input is visited shortest first, so each batch pads little; the
    result is in the order asked for. Returns a float32 CPU tensor.
    """
    module.eval()
    wanted = np.arange(sequences.n_samples) if indices is None else indices
    if sequences.equal_length:
        visit = np.arange(len(wanted))
    else:
        visit = np.argsort(sequences.lengths[wanted], kind="stable")
    out = []
    with torch.inference_mode():
        batches = consecutive(wanted[visit], batch_size)
        for _, x, lengths in iter_batches(sequences, batches, device):
            out.append(module(x, lengths).float().cpu())
    logits = torch.cat(out)
    if sequences.equal_length:
        return logits
    result = torch.empty_like(logits)
    result[torch.from_numpy(visit)] = logits
    return result


def predict_proba(module, sequences, batch_size, device):
    """Class probabilities (softmax of :func:`predict_logits`, in float64),
    as a NumPy array."""
    logits = predict_logits(module, sequences, batch_size, device)
    return torch.softmax(logits.double(), dim=1).numpy()


def _confusion(y, predicted, n_classes):
    """Confusion counts (true x predicted) as a flat bincount, on y's device."""
    return torch.bincount(y * n_classes + predicted, minlength=n_classes * n_classes)


def _weighted_mean(losses, weights):
    """Weighted mean; the plain mean when the weights are absent or all zero
    (a validation split can hold only zero-weight rows)."""
    if weights is None or not weights.any():
        return losses.mean()
    weights = weights.to(losses.dtype)
    return (losses * weights).sum() / weights.sum()


def _summarize_confusion(confusion, classes, prefix):
    """History fields from a (true x predicted) confusion matrix."""
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diag(confusion) / support
    present = support > 0
    return {
        f"{prefix}_class_counts": {
            plain(label): int(n) for label, n in zip(classes, support, strict=True)
        },
        f"{prefix}_recall": {
            plain(label): float(r) for label, r in zip(classes, recall, strict=True)
        },
        f"{prefix}_balanced_accuracy": float(np.mean(recall[present])),
        f"{prefix}_majority_share": float(predicted.max() / predicted.sum()),
    }


def train_entry(trainer, train, batches, rng, epoch):
    """Train one epoch; return its history entry, its confusion counts and its
    training cross-entropy."""
    loss, cross_entropy, confusion = trainer.train_epoch(train, batches, rng)
    if not np.isfinite(loss):
        raise trainer.diverged(epoch, "training loss", loss)
    entry = {
        "epoch": epoch,
        "train_loss": loss,
        "learning_rate": trainer.optimizer.param_groups[0]["lr"],
    }
    entry.update(_summarize_confusion(confusion, trainer.classes, "train"))
    return entry, confusion, cross_entropy


def validation_entry(trainer, valid, scoring, epoch):
    """Evaluate ``valid``; return history fields, confusion counts and the
    monitored value (higher is better) for early stopping."""
    logits, y, loss = trainer.evaluate(valid)
    if not np.isfinite(loss):
        raise trainer.diverged(epoch, "validation loss", loss)
    n_classes = len(trainer.classes)
    confusion = (
        _confusion(y, logits.argmax(dim=1), n_classes)
        .numpy()
        .reshape(n_classes, n_classes)
    )
    fields = {"valid_loss": loss}
    fields.update(_summarize_confusion(confusion, trainer.classes, "valid"))
    if scoring == "loss":
        return fields, confusion, -loss
    proba = torch.softmax(logits, dim=1).numpy()
    fields["valid_score"] = validation_score(
        scoring, trainer.classes, proba, trainer.classes[y.numpy()]
    )
    return fields, confusion, fields["valid_score"]


def run_epochs(
    trainer,
    train,
    valid,
    epochs,
    kept,
    rng,
    *,
    batches_for,
    scoring,
    verbose,
    convergence,
):
    """Train over ``epochs`` (their numbers), recording into ``kept``
    (:class:`~sklstm._early_stopping.KeptEpoch`), which also says when to stop,
    as does ``convergence`` (:class:`~sklstm._early_stopping.Convergence`):
    its stopping epoch's entry says ``"converged": True``.

    ``batches_for(rng)`` gives each epoch's batches of training rows. A
    ``KeyboardInterrupt`` ends the loop with an ``"interrupted"`` entry.

    Returns
    -------
    history : list of dict
    interrupted : bool
    """
    history = []
    bar = tqdm(epochs, disable=not verbose, desc="fit", unit="epoch")
    for epoch in bar:
        start = time.perf_counter()
        try:
            entry, guard, cross_entropy = train_entry(
                trainer, train, batches_for(rng), rng, epoch
            )
            monitor = None
            if valid is not None:
                fields, guard, monitor = validation_entry(
                    trainer, valid, scoring, epoch
                )
                entry.update(fields)
        except KeyboardInterrupt:
            duration = time.perf_counter() - start
            history.append({"epoch": epoch, "interrupted": True, "duration": duration})
            bar.close()
            return history, True
        entry["duration"] = time.perf_counter() - start
        history.append(entry)
        if verbose:
            bar.set_postfix(
                {k: f"{v:.4f}" for k, v in entry.items() if k in _SHOWN and v == v}
            )
        converged = convergence.update(cross_entropy)
        if converged:
            entry["converged"] = True
        if kept.update(epoch, trainer.module, monitor, guard) or converged:
            break
    bar.close()
    return history, False


_SHOWN = ("train_loss", "valid_loss", "valid_score", "valid_balanced_accuracy")

"""The training loop: batches, loss, early stopping, history, collapse guard."""

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from sklstm._losses import Objective
from sklstm._scoring import validation_score
from sklstm.augmentation._base import check_augmented
from sklstm.exceptions import TrainingDivergedError

# At least this share of the predictions on one class counts as a collapse ...
COLLAPSE_SHARE = 0.99
# ... when at least this share of the data belongs to the other classes.
COLLAPSE_MIN_OTHERS = 0.02


@dataclass
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


@dataclass
class LoopConfig:
    """What the loop needs to know beyond the data, module and optimizer."""

    n_classes: int
    batch_size: int
    device: str
    l1: float = 0.0
    clip_grad_norm: float | None = None
    scoring: object = "loss"
    classes: np.ndarray | None = None
    early_stopping: bool = False
    n_iter_no_change: int = 10
    tol: float = 0.0
    learning_rate: float = 1e-3
    verbose: int = 0
    augmenter: object = None  # fitted sklstm augmenter, for training batches only
    objective: Objective = field(default_factory=Objective)
    balanced_batches: bool = False
    bucket_by_length: bool = True
    generator: object = None  # torch.Generator drawing the dropout masks
    scheduler: object = None  # stepped after every optimizer step


@dataclass
class LoopResult:
    """What the loop leaves behind: history, the epoch to keep and its weights."""

    best_epoch: int
    # The module's state_dict at the end of ``best_epoch`` (at the start of the
    # loop while no epoch has completed).
    kept_state: dict
    # Confusion matrix (true x predicted) of the data the collapse guard reads.
    guard_confusion: np.ndarray | None = None
    history: list = field(default_factory=list)
    interrupted: bool = False
    # Early stopping scored NaN at every completed epoch.
    unscored: bool = False


def snapshot(module):
    """A copy of ``module``'s state_dict, detached from training."""
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def copy_state_into(state, module):
    """Overwrite the tensors of ``state`` (from :func:`snapshot`) in place."""
    with torch.no_grad():
        for key, value in module.state_dict().items():
            state[key].copy_(value)


def _to_device(array, device):
    tensor = torch.from_numpy(array)
    if device == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def consecutive(order, batch_size):
    """``order`` cut into batches of ``batch_size`` rows."""
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def bucketed(order, lengths, batch_size, rng, window=50):
    """Batches of similar lengths: sort each run of ``window`` batches of the
    (shuffled) ``order`` by length, cut it into batches, shuffle the batches.

    Padding waste falls with the spread of lengths inside a batch, while the
    shuffled windows and batch order keep epochs random.
    """
    batches = []
    span = window * batch_size
    for start in range(0, len(order), span):
        rows = order[start : start + span]
        rows = rows[np.argsort(lengths[rows], kind="stable")]
        batches.extend(consecutive(rows, batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def iter_batches(sequences, batches, device, augment=None):
    """Yield ``(indices, x, lengths)`` for each array of row indices in
    ``batches``.

    ``augment(values, lengths)``, when given, rewrites each batch's padded
    values before they become a tensor.
    """
    for indices in batches:
        values, lengths = sequences.batch(indices)
        if augment is not None:
            values = augment(values, lengths)
        yield (
            indices,
            _to_device(values, device),
            None if lengths is None else torch.from_numpy(lengths),
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


def _summarise_confusion(confusion, classes, prefix):
    """History fields from a (true x predicted) confusion matrix."""
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diag(confusion) / support
    present = support > 0
    return {
        f"{prefix}_class_counts": {
            _plain(label): int(n) for label, n in zip(classes, support, strict=True)
        },
        f"{prefix}_recall": {
            _plain(label): float(r) for label, r in zip(classes, recall, strict=True)
        },
        f"{prefix}_balanced_accuracy": float(np.mean(recall[present])),
        f"{prefix}_majority_share": float(predicted.max() / predicted.sum()),
    }


def _plain(label):
    """A numpy scalar label as the matching Python scalar (readable dict keys)."""
    return label.item() if isinstance(label, np.generic) else label


def is_collapsed(confusion):
    """Whether predictions went to one class although other classes are present.

    True when at least ``COLLAPSE_SHARE`` of the predictions are one class while
    at least ``COLLAPSE_MIN_OTHERS`` of the samples belong to other classes.
    """
    total = confusion.sum()
    if total == 0:
        return False
    predicted = confusion.sum(axis=0)
    top = int(np.argmax(predicted))
    others = 1.0 - confusion[top].sum() / total
    return predicted[top] / total >= COLLAPSE_SHARE and others >= COLLAPSE_MIN_OTHERS


def balanced_order(rows, y, rng):
    """One epoch's visiting order with the classes in turn.

    Every class present gets ``ceil(len(rows) / n_classes)`` slots, filled by
    drawing its rows (with replacement when it has fewer rows than slots),
    and the slots are interleaved class by class in a random order per round,
    so every run of ``n_classes`` consecutive rows holds each class once and
    every batch holds the classes in near-equal numbers. Only indices are
    drawn; no sequence is copied.
    """
    labels = np.unique(y)
    slots = int(np.ceil(len(rows) / len(labels)))
    columns = []
    for label in labels:
        members = rows[y == label]
        columns.append(rng.choice(members, size=slots, replace=len(members) < slots))
    grid = np.stack(columns, axis=1)
    shuffle = np.argsort(rng.random_sample(grid.shape), axis=1)
    return np.take_along_axis(grid, shuffle, axis=1).ravel()


def schedule_factor(kind, progress, warmup):
    """Learning-rate multiplier at ``progress`` in [0, 1] of a fit's steps."""
    progress = min(progress, 1.0)

    def cosine(start, end, t):
        return end + (start - end) * (1 + math.cos(math.pi * t)) / 2

    if kind == "cosine":
        if progress < warmup:
            return progress / warmup
        return cosine(1.0, 0.0, (progress - warmup) / (1 - warmup))
    if kind == "onecycle":
        if progress < warmup:
            return cosine(1 / 25, 1.0, progress / warmup)
        return cosine(1.0, 1 / 25e4, (progress - warmup) / (1 - warmup))
    return 1.0


def make_scheduler(optimizer, kind, total_steps, warmup_fraction):
    """A per-batch :class:`~torch.optim.lr_scheduler.LambdaLR`, or None for
    ``'constant'``. Steps past ``total_steps`` keep the final rate."""
    if kind == "constant":
        return None
    for group in optimizer.param_groups:
        group["initial_lr"] = group[
            "lr"
        ]  # a warm start's earlier schedule left its own
    total = max(total_steps, 1)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: schedule_factor(kind, step / total, warmup_fraction),
    )


def stratified_split(y, fraction, rng):
    """Split row indices into training and validation, stratified by ``y``.

    Each class with at least two members puts ``ceil(fraction * count)`` of
    them (at least one, and never all) into validation, so the validation split
    sees every such class. A class with a single member stays wholly in
    training; its label index is reported in ``too_small``.

    Returns
    -------
    train, valid : ndarray of int64
        Sorted row indices.
    too_small : list of int
        Label indices kept out of validation.
    """
    valid, too_small = [], []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < 2:
            too_small.append(int(label))
            continue
        n_valid = min(max(1, int(np.ceil(fraction * len(members)))), len(members) - 1)
        valid.append(rng.choice(members, size=n_valid, replace=False))
    valid = np.sort(np.concatenate(valid)) if valid else np.array([], dtype=np.int64)
    train = np.setdiff1d(np.arange(len(y)), valid)
    return train, valid, too_small


def _diverged(epoch, what, value, config):
    return TrainingDivergedError(
        f"The {what} became {value} at epoch {epoch}, so training was stopped. "
        f"Try a lower learning_rate (now {config.learning_rate:g}), "
        "gradient clipping (clip_grad_norm), or scaling the input "
        "(e.g. per-channel standardisation)."
    )


def run_epochs(module, optimizer, train, valid, n_epochs, config, rng, first_epoch=1):
    """Train ``module`` for up to ``n_epochs`` epochs.

    Parameters
    ----------
    module : torch.nn.Module
    optimizer : torch.optim.Optimizer
    train : LabelledSequences
    valid : LabelledSequences or None
        Monitored for early stopping when ``config.early_stopping``.
    n_epochs : int
    config : LoopConfig
    rng : numpy.random.RandomState
        Draws the order of the training samples in each epoch.
    first_epoch : int
        Number given to the first epoch of this call (for warm starts).

    Returns
    -------
    LoopResult
    """
    device, n_classes = config.device, config.n_classes
    params = [p for p in module.parameters() if p.requires_grad]
    l1_params = [p for name, p in module.named_parameters() if "weight" in name]
    y_train = torch.from_numpy(train.y).to(device)
    w_train = None if train.weights is None else torch.from_numpy(train.weights)
    if w_train is not None:
        w_train = w_train.to(device)
    if valid is not None:
        y_valid = torch.from_numpy(valid.y[valid.indices])
        w_valid = None
        if valid.weights is not None:
            w_valid = torch.from_numpy(valid.weights[valid.indices])

    augment = None
    if config.augmenter is not None:

        def augment(values, lengths):
            augmented = config.augmenter.augment_padded(values, lengths, rng)
            check_augmented(config.augmenter, values, augmented)
            return augmented

    def one_epoch(epoch):
        """Train one epoch, then validate; return its history entry, the
        confusion matrix the collapse guard reads and the monitored value."""
        monitor = None
        module.train()
        if config.balanced_batches:
            order = balanced_order(train.indices, train.y[train.indices], rng)
            batches = consecutive(order, config.batch_size)
        else:
            order = train.indices[rng.permutation(len(train))]
            if config.bucket_by_length and not train.sequences.equal_length:
                batches = bucketed(
                    order, train.sequences.lengths, config.batch_size, rng
                )
            else:
                batches = consecutive(order, config.batch_size)
        loss_sum = torch.zeros((), device=device)
        confusion = torch.zeros(n_classes * n_classes, dtype=torch.int64, device=device)
        for indices, x, lengths in iter_batches(
            train.sequences, batches, device, augment
        ):
            index = torch.from_numpy(indices).to(device)
            yb = y_train[index]
            logits = module(x, lengths, generator=config.generator)
            losses = config.objective(logits, yb)
            if w_train is None:
                loss = losses.mean()
            else:
                loss = (losses * w_train[index]).mean()
            objective = loss
            if config.l1:
                objective = loss + config.l1 * sum(p.abs().sum() for p in l1_params)
            optimizer.zero_grad(set_to_none=True)
            objective.backward()
            if config.clip_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, config.clip_grad_norm)
            optimizer.step()
            if config.scheduler is not None:
                config.scheduler.step()
            loss_sum += loss.detach() * len(indices)
            confusion += _confusion(yb, logits.detach().argmax(dim=1), n_classes)

        train_loss = loss_sum.item() / len(order)
        if not np.isfinite(train_loss):
            raise _diverged(epoch, "training loss", train_loss, config)
        train_confusion = confusion.cpu().numpy().reshape(n_classes, n_classes)
        entry = {
            "epoch": epoch,
            "train_loss": train_loss,
            "learning_rate": optimizer.param_groups[0]["lr"],
        }
        entry.update(_summarise_confusion(train_confusion, config.classes, "train"))
        guard = train_confusion

        if valid is not None:
            logits = predict_logits(
                module, valid.sequences, config.batch_size, device, valid.indices
            ).double()
            valid_loss = _weighted_mean(
                config.objective(logits, y_valid), w_valid
            ).item()
            if not np.isfinite(valid_loss):
                raise _diverged(epoch, "validation loss", valid_loss, config)
            predicted = logits.argmax(dim=1)
            guard = (
                _confusion(y_valid, predicted, n_classes)
                .numpy()
                .reshape(n_classes, n_classes)
            )
            entry["valid_loss"] = valid_loss
            entry.update(_summarise_confusion(guard, config.classes, "valid"))
            if config.scoring == "loss":
                monitor = -valid_loss
            else:
                proba = torch.softmax(logits, dim=1).numpy()
                entry["valid_score"] = monitor = validation_score(
                    config.scoring, config.classes, proba, config.classes[y_valid]
                )
        return entry, guard, monitor

    result = LoopResult(best_epoch=first_epoch - 1, kept_state=snapshot(module))
    best_monitor, stall, scored = None, 0, False
    epochs = range(first_epoch, first_epoch + n_epochs)
    bar = tqdm(epochs, disable=not config.verbose, desc="fit", unit="epoch")
    for epoch in bar:
        start = time.perf_counter()
        try:
            entry, guard, monitor = one_epoch(epoch)
        except KeyboardInterrupt:
            # Keep what was learnt: the caller loads ``kept_state`` (the weights
            # of a completed epoch), records the interruption and re-raises.
            result.interrupted = True
            result.history.append(
                {
                    "epoch": epoch,
                    "interrupted": True,
                    "duration": time.perf_counter() - start,
                }
            )
            break
        entry["duration"] = time.perf_counter() - start
        result.history.append(entry)
        if config.verbose:
            bar.set_postfix(
                {k: f"{v:.4f}" for k, v in entry.items() if k in _SHOWN and v == v}
            )

        if not config.early_stopping or valid is None:
            result.best_epoch, result.guard_confusion = epoch, guard
            copy_state_into(result.kept_state, module)
            continue
        if np.isnan(monitor):
            monitor = -np.inf  # a NaN score is never the best
        else:
            scored = True
        if best_monitor is None or monitor > best_monitor + config.tol:
            best_monitor, stall = monitor, 0
            result.best_epoch, result.guard_confusion = epoch, guard
            copy_state_into(result.kept_state, module)
        else:
            stall += 1
            if stall >= config.n_iter_no_change:
                break
    result.unscored = best_monitor is not None and not scored
    bar.close()
    return result


_SHOWN = ("train_loss", "valid_loss", "valid_score", "valid_balanced_accuracy")

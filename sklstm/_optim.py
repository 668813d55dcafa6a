"""Optimizer, learning-rate schedule and resuming training: one place."""

import copy
import math

import torch

OPTIMIZERS = {
    "adam": lambda params, lr, weight_decay, momentum, fused: torch.optim.Adam(
        params, lr=lr, weight_decay=weight_decay, fused=fused
    ),
    "adamw": lambda params, lr, weight_decay, momentum, fused: torch.optim.AdamW(
        params, lr=lr, weight_decay=weight_decay, fused=fused
    ),
    "sgd": lambda params, lr, weight_decay, momentum, fused: torch.optim.SGD(
        params, lr=lr, momentum=momentum, weight_decay=weight_decay, fused=fused
    ),
}


def make_optimizer(module, kind, *, lr, weight_decay, momentum):
    """A fresh optimizer of ``kind`` over ``module``'s parameters, with torch's
    fused kernels where the device and the torch release have them.

    Fused, one kernel updates every parameter (the same update, to float
    rounding), where the default visits them one by one: on a CPU that loop
    was a tenth of a default fit's step (benchmarks/results/cost.md).
    """
    params = list(module.parameters())
    try:
        return OPTIMIZERS[kind](params, lr, weight_decay, momentum, True)
    except (RuntimeError, TypeError, ValueError):
        # No fused kernels for this device, or before torch 2.4 on CPUs.
        return OPTIMIZERS[kind](params, lr, weight_decay, momentum, None)


def resume(module, optimizer, device, kind, *, lr, weight_decay, momentum):
    """Copies of a fitted ``module`` and ``optimizer`` on ``device``, the copied
    optimizer holding the copied parameters and the current settings.

    The originals stay untouched (a failed fit must not change them). The
    optimizer keeps its state (moments, momentum buffers) but takes ``lr``,
    ``weight_decay`` and ``momentum``; another ``kind``, or no optimizer (an
    unpickled model), starts a fresh one.
    """
    module, optimizer = copy.deepcopy((module, optimizer))
    if next(module.parameters()).device.type != device:
        module.to(device)
        if optimizer is not None:
            # Reloading casts the optimizer's state to its parameters' device.
            optimizer.load_state_dict(optimizer.state_dict())
    fresh = make_optimizer(
        module, kind, lr=lr, weight_decay=weight_decay, momentum=momentum
    )
    if type(fresh) is not type(optimizer):
        return module, fresh
    for group in optimizer.param_groups:
        for key in ("lr", "weight_decay", "momentum"):
            if key in group:
                group[key] = fresh.defaults[key]
    return module, optimizer


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
        # The schedule scales the rate set now, not one a warm start left.
        group["initial_lr"] = group["lr"]
    total = max(total_steps, 1)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: schedule_factor(kind, step / total, warmup_fraction),
    )

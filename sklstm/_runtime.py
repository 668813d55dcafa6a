"""Where and how torch runs: device choice, thread count, seeded RNG state."""

import threading
from contextlib import contextmanager

import torch


def resolve_device(device):
    """Map ``'auto'`` to ``'cuda'`` when a GPU is usable, else ``'cpu'``.

    Raises a ``ValueError`` when ``'cuda'`` is asked for on a machine without one.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device='cuda' was requested but torch finds no usable CUDA device; "
            "use device='cpu' or device='auto'."
        )
    return device


@contextmanager
def torch_threads(n_threads):
    """Set torch's intra-op thread count inside the block, then restore it."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


_GLOBAL_RNG = threading.Lock()


@contextmanager
def seeded_torch(seed, device):
    """Run the block with torch's global RNG seeded, restoring it afterwards.

    Network initialisation draws from torch's global generator; this makes it a
    function of ``seed`` alone without disturbing the caller's RNG. A lock keeps
    fits in parallel threads from reseeding each other mid-initialisation.
    """
    devices = [torch.cuda.current_device()] if device == "cuda" else []
    with _GLOBAL_RNG, torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def make_generator(seed, device):
    """A torch generator on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator

"""The torch module: optional conv front end and FCN branch, an LSTM, a summary
over each sequence's real steps, a head."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pad_packed_sequence,
)


def real_steps(lengths, steps, device):
    """Boolean mask (batch, steps): True at each row's real steps."""
    return torch.arange(steps, device=device)[None, :] < lengths.to(device)[:, None]


def average_steps(x, lengths, size):
    """Average each run of ``size`` consecutive steps of ``x`` (batch, steps,
    channels) into one step, over each sequence's real steps only.

    A sequence of length ``t`` becomes ``ceil(t / size)`` steps; its last
    step averages the real steps of the last run, however few. Returns the
    averaged batch and the new lengths (None stays None).
    """
    batch, steps, channels = x.shape
    runs = -(-steps // size)
    if lengths is None and runs * size == steps:
        return x.reshape(batch, runs, size, channels).mean(dim=2), None
    if lengths is not None:
        x = x * real_steps(lengths, steps, x.device)[:, :, None]
    x = F.pad(x, (0, 0, 0, runs * size - steps))
    total = x.reshape(batch, runs, size, channels).sum(dim=2)
    full = torch.full((batch,), steps) if lengths is None else lengths
    starts = torch.arange(runs) * size
    counts = (full[:, None] - starts[None, :]).clamp(1, size)  # >= 1: no 0 / 0
    averaged = total / counts.to(device=x.device, dtype=x.dtype)[:, :, None]
    return averaged, None if lengths is None else -(-lengths // size)


class ConvFrontEnd(nn.Module):
    """Strided 1-D convolutions + ReLU that shorten sequences before the LSTM.

    Each layer maps ``(batch, channels, steps)`` to ``ceil(steps / stride)``
    steps ("same" zero padding). Positions past a sequence's (new) length are
    zeroed after every layer, so a sequence's output does not depend on how
    much padding its batch carries.
    """

    def __init__(self, in_channels, channels, kernel_size, stride, n_layers):
        super().__init__()
        self.stride, self.padding = stride, kernel_size // 2
        self.kernel_size = kernel_size
        self.convs = nn.ModuleList(
            nn.Conv1d(
                in_channels if i == 0 else channels,
                channels,
                kernel_size,
                stride=stride,
                padding=self.padding,
            )
            for i in range(n_layers)
        )

    def out_lengths(self, lengths):
        return (lengths + 2 * self.padding - self.kernel_size) // self.stride + 1

    def forward(self, x, lengths):
        """``x`` (batch, steps, channels) -> (batch, steps', channels'), lengths'."""
        x = x.transpose(1, 2)
        if lengths is not None:
            x = x * real_steps(lengths, x.shape[2], x.device)[:, None, :]
        for conv in self.convs:
            x = torch.relu(conv(x))
            if lengths is not None:
                lengths = self.out_lengths(lengths)
                x = x * real_steps(lengths, x.shape[2], x.device)[:, None, :]
        return x.transpose(1, 2), lengths


def _batch_norm(norm, x, mask, count):
    """``norm`` (a BatchNorm1d) over ``x`` (batch, channels, steps), whose
    training statistics count only the ``count`` real steps of ``mask``
    (batch, 1, steps), or every step when ``mask`` is None."""
    if not norm.training:
        return norm(x)
    if count <= 1:
        # A lone value has no batch statistics: use the running ones.
        return F.batch_norm(
            x, norm.running_mean, norm.running_var, norm.weight, norm.bias
        )
    if mask is None:
        return norm(x)
    weights = mask.to(x.dtype)
    mean = (x * weights).sum(dim=(0, 2)) / count
    centred = x - mean[None, :, None]
    var = (centred.square() * weights).sum(dim=(0, 2)) / count
    with torch.no_grad():
        norm.num_batches_tracked += 1
        norm.running_mean.lerp_(mean, norm.momentum)
        norm.running_var.lerp_(var * count / (count - 1), norm.momentum)
    scale = norm.weight / torch.sqrt(var + norm.eps)
    return centred * scale[None, :, None] + norm.bias[None, :, None]


class FCNBranch(nn.Module):
    """The fully convolutional branch of LSTM-FCN (Karim et al. 2018).

    Three blocks of Conv1d ("same" padding, kernels 8, 5, 3) + BatchNorm + ReLU,
    then global average pooling over each sequence's real steps. Batch
    statistics count real steps only, so padding does not move training. With
    ``pool > 1`` the first block's output is max-pooled in runs of ``pool``
    steps, so the two wider blocks read ``ceil(steps / pool)`` steps.
    """

    def __init__(self, in_channels, widths, pool=1):
        super().__init__()
        self.pool = pool
        blocks, previous = [], in_channels
        for width, kernel in zip(widths, (8, 5, 3), strict=True):
            blocks.append(
                nn.ModuleDict(
                    {
                        # "same" padding, spelled out for even kernels.
                        "pad": nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0),
                        "conv": nn.Conv1d(previous, width, kernel),
                        "norm": nn.BatchNorm1d(width),
                    }
                )
            )
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.out_features = previous

    def forward(self, x, lengths):
        x = x.transpose(1, 2)
        if lengths is not None:
            # Whatever the padding holds, the kernels read zeros.
            x = x * real_steps(lengths, x.shape[2], x.device)[:, None, :]
        mask, norm_mask, count = self._masks(x, lengths)
        for i, block in enumerate(self.blocks):
            x = block["conv"](block["pad"](x))
            x = torch.relu(_batch_norm(block["norm"], x, norm_mask, count))
            if mask is not None:
                x = x * mask
            if i == 0 and self.pool > 1:
                # Padding holds zeros, which no ReLU output exceeds: the
                # maximum of each run is its real steps' maximum.
                x = F.max_pool1d(x, self.pool, ceil_mode=True)
                if lengths is not None:
                    lengths = -(-lengths // self.pool)
                mask, norm_mask, count = self._masks(x, lengths)
        if lengths is None:
            return x.mean(dim=2)
        return x.sum(dim=2) / lengths.to(x.device)[:, None].to(x.dtype)

    @staticmethod
    def _masks(x, lengths):
        """The real-step mask of ``x`` (batch, channels, steps), the mask
        BatchNorm needs (None when no step is padding) and the real steps."""
        mask, count = None, x.shape[0] * x.shape[2]
        if lengths is not None:
            mask = real_steps(lengths, x.shape[2], x.device)[:, None, :]
            # Real steps, counted once on the CPU (lengths live there).
            count = int(lengths.sum())
        # Without padding in the batch, BatchNorm's own statistics are exact.
        norm_mask = None if count == x.shape[0] * x.shape[2] else mask
        return mask, norm_mask, count


class LSTMNetwork(nn.Module):
    """LSTM sequence classifier network.

    Parameters
    ----------
    spec : NetworkSpec
        Its shape (see :class:`sklstm._spec.NetworkSpec`): the LSTM; the
        summary fed to the head (``'last'`` takes the forward direction's
        state at each sequence's true last step and, when bidirectional, the
        backward direction's state at its first step; ``'mean'`` and
        ``'max'`` pool the LSTM outputs over real steps only;
        ``'attention'`` weighs them by learned scores, softmax over real
        steps); a token embedding table (0 = padding, the last row = unknown
        token, starting at zero), token dropout and a position embedding
        (step ``t`` reads row ``min(t, n_positions - 1)``); ``downsample``
        (the LSTM and front end read each run of that many steps averaged
        into one, :func:`average_steps`; the FCN branch max-pools its first
        block's output in runs of that many steps); the convolutional front
        end and the FCN branch beside the LSTM.

    Attributes
    ----------
    spec : NetworkSpec
        The ``spec`` it was built from: :mod:`sklstm.persistence` stores it
        beside the weights, so a model loads with the shape it was trained in.
    """

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        n_channels, embedding_dim = spec.n_channels, spec.embedding_dim
        hidden_size, bidirectional = spec.hidden_size, spec.bidirectional
        self.embedding = None
        if spec.n_embeddings is not None:
            self.embedding = nn.Embedding(
                spec.n_embeddings, embedding_dim, padding_idx=0
            )
            with torch.no_grad():
                self.embedding.weight[-1].zero_()  # unknown tokens start as zeros
            n_channels = embedding_dim
        self.positions = None
        if spec.n_positions is not None:
            self.positions = nn.Embedding(spec.n_positions, embedding_dim)
            # Small next to the token embeddings (N(0, 1)) at the start.
            nn.init.normal_(self.positions.weight, std=0.1)
        self.fcn = None
        if spec.fcn_widths is not None:
            self.fcn = FCNBranch(n_channels, spec.fcn_widths, pool=spec.downsample)
        self.frontend = None
        lstm_inputs = n_channels
        if spec.conv_layers:
            self.frontend = ConvFrontEnd(
                n_channels,
                spec.conv_channels,
                spec.conv_kernel_size,
                spec.conv_stride,
                spec.conv_layers,
            )
            lstm_inputs = spec.conv_channels
        directions = 2 if bidirectional else 1
        # One nn.LSTM per layer, so that dropout between layers can draw from a
        # generator of the fit's own (see _dropout) rather than torch's global
        # RNG: fits in parallel threads then stay reproducible.
        self.layers = nn.ModuleList(
            nn.LSTM(
                input_size=lstm_inputs if i == 0 else hidden_size * directions,
                hidden_size=hidden_size,
                batch_first=True,
                bidirectional=bidirectional,
            )
            for i in range(spec.num_layers)
        )
        summary = hidden_size * directions
        self.attention = nn.Linear(summary, 1) if spec.pooling == "attention" else None
        extra = 0 if self.fcn is None else self.fcn.out_features
        self.head = nn.Linear(summary + extra, spec.n_classes)

    def forward(self, x, lengths=None, generator=None):
        """Logits for a batch.

        Parameters
        ----------
        x : Tensor of shape (batch, steps, n_channels)
            Zero-padded after each sequence's length.
        lengths : Tensor of shape (batch,), int64 on the CPU, or None
            True lengths; ``None`` when every sequence fills all ``steps``.
            With an embedding, ``x`` holds token rows, shape (batch, steps, 1).
        generator : torch.Generator or None
            Draws the dropout masks in training mode (torch's global RNG if
            None).
        """
        if self.embedding is not None:
            x = self.embedding(self._drop_tokens(x[:, :, 0], generator))
        if self.positions is not None:
            steps = torch.arange(x.shape[1], device=x.device)
            x = x + self.positions(steps.clamp(max=self.positions.num_embeddings - 1))
        branch = None if self.fcn is None else self.fcn(x, lengths)
        if self.spec.downsample > 1:
            x, lengths = average_steps(x, lengths, self.spec.downsample)
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths)
        data = x
        if lengths is not None:
            data = pack_padded_sequence(
                x, lengths, batch_first=True, enforce_sorted=False
            )
        for i, layer in enumerate(self.layers):
            if i:
                data = self._dropout(data, generator)
            data, (h_n, _) = layer(data)
        if self.spec.pooling == "last":
            # h_n is (directions, batch, hidden); for a packed batch it holds each
            # sequence's state at its true end (and the backward direction's
            # state after reading back to step 0).
            summary = torch.cat(list(h_n), dim=1)
        else:
            if lengths is not None:
                data, _ = pad_packed_sequence(data, batch_first=True)
            summary = self._pool(data, lengths)
        if branch is not None:
            summary = torch.cat([summary, branch], dim=1)
        return self.head(self._dropout(summary, generator))

    def _pool(self, output, lengths):
        """Mean, max or attention over each row's real steps of ``output``."""
        real = None
        if lengths is not None:
            real = real_steps(lengths, output.shape[1], output.device)
        pooling = self.spec.pooling
        if pooling == "attention":
            scores = self.attention(output)[:, :, 0]
            if real is not None:
                scores = scores.masked_fill(~real, float("-inf"))
            weights = torch.softmax(scores, dim=1)
            return (weights[:, :, None] * output).sum(dim=1)
        if real is None:
            return output.mean(dim=1) if pooling == "mean" else output.amax(dim=1)
        real = real[:, :, None]
        if pooling == "mean":
            total = output.masked_fill(~real, 0.0).sum(dim=1)
            return total / lengths.to(output.device)[:, None].to(output.dtype)
        return output.masked_fill(~real, float("-inf")).amax(dim=1)

    def _drop_tokens(self, rows, generator):
        """Token dropout: in training, each token becomes row 0 (the zero
        vector, never trained) with probability ``token_dropout``."""
        rate = self.spec.token_dropout
        if not self.training or rate == 0:
            return rows
        drop = torch.empty(rows.shape, device=rows.device).bernoulli_(
            rate, generator=generator
        )
        return rows.masked_fill(drop.bool(), 0)

    def _dropout(self, x, generator):
        """Inverted dropout of a tensor or a packed sequence's data."""
        rate = self.spec.dropout
        if not self.training or rate == 0:
            return x
        if isinstance(x, PackedSequence):
            return x._replace(data=self._dropout(x.data, generator))
        keep = torch.empty_like(x).bernoulli_(1.0 - rate, generator=generator)
        return x * keep / (1.0 - rate)

"""The torch module: an LSTM, a summary over each sequence's real steps, a head."""

import torch
from torch import nn
from torch.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pad_packed_sequence,
)


class LSTMNetwork(nn.Module):
    """LSTM sequence classifier network.

    Parameters
    ----------
    n_channels : int
        Features per time step.
    n_classes : int
        Number of output logits.
    hidden_size, num_layers, bidirectional : int, int, bool
        As in :class:`torch.nn.LSTM`.
    dropout : float
        Dropout between LSTM layers and before the linear head.
    n_embeddings : int or None
        Rows of a token embedding table (0 = padding, the last row = unknown
        token, kept at zero); ``None`` for real-valued input.
    embedding_dim : int or None
        Width of the embeddings; the LSTM then reads them instead of
        ``n_channels`` features.
    pooling : {'last', 'mean', 'max'}
        How a sequence is summarised for the head. ``'last'`` takes the forward
        direction's state at each sequence's true last step and, when
        bidirectional, the backward direction's state at its first step.
        ``'mean'`` and ``'max'`` pool the LSTM outputs over real steps only.
    """

    def __init__(
        self,
        *,
        n_channels,
        n_classes,
        hidden_size,
        num_layers,
        bidirectional,
        dropout,
        pooling,
        n_embeddings=None,
        embedding_dim=None,
    ):
        super().__init__()
        self.pooling = pooling
        self.embedding = None
        if n_embeddings is not None:
            self.embedding = nn.Embedding(n_embeddings, embedding_dim, padding_idx=0)
            with torch.no_grad():
                self.embedding.weight[-1].zero_()  # unknown tokens read as zeros
            n_channels = embedding_dim
        directions = 2 if bidirectional else 1
        # One nn.LSTM per layer, so that dropout between layers can draw from a
        # generator of the fit's own (see _dropout) rather than torch's global
        # RNG: fits in parallel threads then stay reproducible.
        self.layers = nn.ModuleList(
            nn.LSTM(
                input_size=n_channels if i == 0 else hidden_size * directions,
                hidden_size=hidden_size,
                batch_first=True,
                bidirectional=bidirectional,
            )
            for i in range(num_layers)
        )
        self.dropout = dropout
        self.head = nn.Linear(hidden_size * directions, n_classes)

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
            x = self.embedding(x[:, :, 0])
        data = x
        if lengths is not None:
            data = pack_padded_sequence(
                x, lengths, batch_first=True, enforce_sorted=False
            )
        for i, layer in enumerate(self.layers):
            if i:
                data = self._dropout(data, generator)
            data, (h_n, _) = layer(data)
        if self.pooling == "last":
            # h_n is (directions, batch, hidden); for a packed batch it holds each
            # sequence's state at its true end (and the backward direction's
            # state after reading back to step 0).
            summary = torch.cat(list(h_n), dim=1)
        else:
            if lengths is not None:
                data, _ = pad_packed_sequence(data, batch_first=True)
            summary = _pool(data, lengths, self.pooling)
        return self.head(self._dropout(summary, generator))

    def _dropout(self, x, generator):
        """Inverted dropout of a tensor or a packed sequence's data."""
        if not self.training or self.dropout == 0:
            return x
        if isinstance(x, PackedSequence):
            return x._replace(data=self._dropout(x.data, generator))
        keep = torch.empty_like(x).bernoulli_(1.0 - self.dropout, generator=generator)
        return x * keep / (1.0 - self.dropout)


def _pool(output, lengths, how):
    """Mean or max of ``output`` (batch, steps, hidden) over each row's real steps."""
    if lengths is None:
        return output.mean(dim=1) if how == "mean" else output.amax(dim=1)
    lengths = lengths.to(output.device)
    steps = torch.arange(output.shape[1], device=output.device)
    real = (steps[None, :] < lengths[:, None]).unsqueeze(-1)
    if how == "mean":
        total = output.masked_fill(~real, 0.0).sum(dim=1)
        return total / lengths[:, None].to(output.dtype)
    return output.masked_fill(~real, float("-inf")).amax(dim=1)

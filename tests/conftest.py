import os

import torch
from hypothesis import HealthCheck, settings

# One intra-op thread: tiny networks run faster without thread hand-offs, and
# results do not depend on the machine's core count.
torch.set_num_threads(1)

# Property tests: random examples locally, a fixed sequence of them on CI.
common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "sklstm", max_examples=100, derandomize=bool(os.environ.get("CI")), **common
)
settings.register_profile("thorough", max_examples=1000, **common)
settings.load_profile(os.environ.get("SKLSTM_HYPOTHESIS_PROFILE", "sklstm"))

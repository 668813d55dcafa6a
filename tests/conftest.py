import torch

# One intra-op thread: tiny networks run faster without thread hand-offs, and
# results do not depend on the machine's core count.
torch.set_num_threads(1)

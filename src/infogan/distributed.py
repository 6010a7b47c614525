"""Data-parallel training under ``torchrun`` (DistributedDataParallel; gloo on CPU, NCCL on GPU).

Every process draws the same *global* batch of noise, codes and data indices from identically
seeded generators and keeps only its slice, so the samples a run sees do not depend on the
number of processes, one random state describes all of them, and a checkpoint written by N
processes resumes on M. A single process is a world of size 1 in which every method is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


def launched_by_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, global_batch: torch.Tensor | None) -> torch.Tensor | None:
        """This process's contiguous slice of a tensor whose first dimension is the global batch."""
        if self.size == 1 or global_batch is None:
            return global_batch
        per_rank = len(global_batch) // self.size
        return global_batch[self.rank * per_rank : (self.rank + 1) * per_rank]

    def wrap(self, module: nn.Module, sync_batchnorm: bool = False) -> nn.Module:
        """The module as DistributedDataParallel (averaging gradients over processes), or itself."""
        if self.size == 1:
            return module
        if sync_batchnorm:
            module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=device_ids)

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """The mean of each value over processes (for logging)."""
        if self.size == 1:
            return values
        stacked = torch.tensor(list(values.values()), dtype=torch.float64, device=self.device)
        dist.all_reduce(stacked)
        return dict(zip(values, (stacked / self.size).tolist()))

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on one (e.g. Ctrl-C seen by one process)."""
        if self.size == 1:
            return flag
        value = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def check_in_sync(self, *modules: nn.Module) -> None:
        """Raise if any process's parameters differ from the others' (they must stay bitwise equal)."""
        if self.size == 1:
            return
        sums = torch.stack([p.detach().double().sum() for m in modules for p in m.parameters()]).to(self.device)
        gathered = [torch.empty_like(sums) for _ in range(self.size)]
        dist.all_gather(gathered, sums)
        if not all(torch.equal(gathered[0], other) for other in gathered[1:]):
            raise RuntimeError("distributed processes hold different weights; the run is out of sync")

    def close(self) -> None:
        if self.size > 1 and dist.is_initialized():
            dist.destroy_process_group()


def setup(device: torch.device) -> World:
    """Join the process group ``torchrun`` describes in the environment, or return a world of one.

    On CUDA each process takes the GPU numbered by its ``LOCAL_RANK`` and talks over NCCL;
    on the CPU processes talk over gloo.
    """
    if not launched_by_torchrun() or int(os.environ["WORLD_SIZE"]) == 1:
        return World(device=device)
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return World(dist.get_rank(), dist.get_world_size(), device)

// How one training process joins a distributed run (torch-free: the CLI fills it, the trainer reads it).
//
// Data-parallel (federated = false): every rank holds the whole model, takes its slice of each
// global batch (train.batch_size rows, split evenly over the ranks) and gradients are averaged
// across ranks before each optimiser step, so N processes follow the 1-process trajectory.
// Federated (federated = true): each rank is a participant training on its own data for
// local_steps steps; then the weights are averaged (FedAvg), weighted by local example counts.
#pragma once

#include <string>

namespace lmforge::distributed {

struct DistributedOptions {
  int rank = 0;                            // this process, 0 .. world_size-1; rank 0 writes files
  int world_size = 1;                      // processes in the run; 1: no process group at all
  std::string master_addr = "127.0.0.1";   // host of rank 0's TCPStore (the rendezvous)
  int master_port = 29500;                 // its port
  int timeout_s = 60;                      // rendezvous and collective timeout (a dead peer ends a wait)
  bool federated = false;                  // FedAvg rounds instead of per-step gradient averaging
  int local_steps = 1;                     // federated: optimiser steps between two averagings
  double fraction = 1.0;                   // federated: share of participants that train in a round
};

inline bool is_distributed(const DistributedOptions& o) { return o.world_size > 1 || o.federated; }

}  // namespace lmforge::distributed

// The C boundary (see lmforge/train/nn_module.h) for one worker of a distributed `lmforge train`:
// the plain train request plus where this process sits in the run.
#pragma once

#include <cstddef>

#include "lmforge/train/nn_module.h"

extern "C" {

struct LmforgeDistributedTrainRequest {
  LmforgeTrainRequest train;
  int rank;                 // 0 .. world_size-1
  int world_size;
  const char* master_addr;  // rank 0's TCPStore host
  int master_port;
  int timeout_s;            // rendezvous and collective timeout
  int federated;            // FedAvg instead of gradient averaging
  int local_steps;          // federated: steps per round
  double fraction;          // federated: share of participants per round
};

typedef int (*LmforgeDistributedTrainFn)(const LmforgeDistributedTrainRequest* request, char* error,
                                         std::size_t error_size);

}  // extern "C"

#define LMFORGE_DISTRIBUTED_TRAIN_SYMBOL "lmforge_nn_train_distributed"

// `lmforge train --nproc N`: starts N workers of this binary on one machine (ranks 0..N-1,
// rendezvous on a free loopback port), forwards their output line by line prefixed with the
// rank, and, if one worker fails, stops the others and reports which one and how.
#pragma once

#include <string>
#include <vector>

namespace lmforge::cli {

struct WorkerLaunch {
  int nproc = 2;                         // workers to start
  std::vector<std::string> worker_args;  // the `train ...` arguments every worker gets (no rank flags)
  int grace_s = 3;                       // after a failure: seconds the others get to stop by themselves
};

// Runs the workers to completion. Throws RuntimeError naming the first worker that failed
// (exit status or signal) after the rest were stopped.
void launch_workers(const WorkerLaunch& launch);

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int free_loopback_port();

}  // namespace lmforge::cli

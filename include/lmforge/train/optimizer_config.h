// AdamW hyper-parameters (no torch headers: the config parser and the CLI include this).
#pragma once

namespace lmforge::train {

struct AdamWConfig {
  double lr = 3e-4;                 // initial learning rate (the schedule overrides it every step)
  double beta1 = 0.9;               // first-moment decay
  double beta2 = 0.95;              // second-moment decay
  double eps = 1e-8;                // added to the denominator
  double weight_decay = 0.1;        // decoupled decay of the "decay" group
  bool decay_norms_biases = false;  // also decay 1-D parameters (norm weights, biases)
  bool decay_embeddings = false;    // also decay embedding tables (a tied output head is one)

  void validate() const;  // UsageError on a negative lr, betas outside [0, 1), eps <= 0
};

}  // namespace lmforge::train

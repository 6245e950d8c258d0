"""Measures this machine's memory bandwidth as numpy sees it: the best of several copies of a
512 MB float32 array (bytes read + bytes written per second), printed in GB/s."""
import time
import numpy as np

n = 128 * 1024 * 1024  # 512 MB of float32
a = np.ones(n, np.float32)
b = np.empty_like(a)
best = 0.0
for _ in range(5):
    t = time.perf_counter()
    np.copyto(b, a)
    dt = time.perf_counter() - t
    best = max(best, 2 * a.nbytes / dt / 1e9)
print(f"{best:.2f}")

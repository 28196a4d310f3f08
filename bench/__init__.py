"""keraslab's benchmarks (`make bench`): each measures keraslab against a
baseline in the same run and reports the ratio."""

"""Experiments: the chapters' configurations, the Monte-Carlo engine, the linear and network
same-seed experiments, the closures against Monte Carlo, the prediction tool and sweeps. May
import every layer below it (nets, data, theory, core, util)."""

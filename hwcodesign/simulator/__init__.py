"""Engines: systolic (closed form), analytical, event (SimPy NPU), gpu."""

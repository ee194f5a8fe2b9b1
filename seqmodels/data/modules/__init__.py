"""The DataModules, one per task, and the base class that declares what train.py uses of them."""

"""Background entry points of the orders domain.

`effects.deliver_due` is called by every worker pass (kefu/worker.py); importing `imports`
registers the `orders.import` timer handler (one batch per firing).
"""

from kefu.orders import effects, imports

__all__ = ["effects", "imports"]

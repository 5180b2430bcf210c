"""kefu (客服): an open-source customer-service platform for online shops."""

__version__ = "0.1.0"

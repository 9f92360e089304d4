"""Every report, defined once. Each function: (backend, Filters, ...) -> DataFrame with documented columns."""

from .growth import (churned_customers, contacted_customers, growth_summary, net_growth, new_customers,
                     next_contact_customers, won_customers)

__all__ = ["new_customers", "contacted_customers", "next_contact_customers", "won_customers",
           "churned_customers", "net_growth", "growth_summary"]

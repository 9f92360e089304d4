"""Every report, declared once (crm_core.reports). Importing this package declares them all."""

from . import (behaviour, care, distributions, early_warning, growth, health, owners, pool,  # noqa: F401 - each
               sales, team)  # module declares its reports
from .growth import (churned_customers, contacted_customers, growth_summary, net_growth, new_customers,
                     next_contact_customers, won_customers)

__all__ = ["new_customers", "contacted_customers", "next_contact_customers", "won_customers",
           "churned_customers", "net_growth", "growth_summary"]

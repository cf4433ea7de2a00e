"""Every browser test here fails on a Content-Security-Policy violation in any page it opened (tests/support/csp.py)."""

from tests.support.csp import csp_violations, no_csp_violation_in_the_module, pages_report_csp_violations

__all__ = ["csp_violations", "no_csp_violation_in_the_module", "pages_report_csp_violations"]

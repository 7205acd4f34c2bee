"""Programme reports and the Justice Data Lab cohort: SQL aggregations, suppressed for readers
who are not staff (`api.services.suppression`)."""

/* Audit report: the verdicts of a run, grouped by hostname (SNI, Host or
 * DNS name; connections without one by server address), one row (text)
 * or one JSON object (JSON Lines) per connection, then a summary.
 * Fields are documented in docs/audit.md. */
#ifndef PW_AUDIT_REPORT_H
#define PW_AUDIT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"
#include "base/emit.h"

struct pw_audit_report;

/* cfg gives the zapret2 autohostlist thresholds for the per-host line;
 * failed_only hides ok rows (they still count in the summary). */
struct pw_audit_report *pw_audit_report_new(const struct pw_audit_config *cfg,
					    bool failed_only);
void pw_audit_report_free(struct pw_audit_report *rep);

/* A pw_audit_result_fn: keeps a copy of r (ctx is the report). A copy
 * that finds no memory is counted in the summary but not printed. */
void pw_audit_report_add(const struct pw_audit_result *r, void *ctx);

/* Rows to e, then the summary to summary_out. */
void pw_audit_report_print(struct pw_audit_report *rep, struct pw_emit *e,
			   FILE *summary_out);

uint64_t pw_audit_report_total(const struct pw_audit_report *rep);
uint64_t pw_audit_report_failed(const struct pw_audit_report *rep);
uint64_t pw_audit_report_count(const struct pw_audit_report *rep,
			       enum pw_audit_verdict v);

#endif

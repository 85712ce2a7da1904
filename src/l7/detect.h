/* Internal contract between the dispatcher (l7.c) and the detectors.
 *
 * Each detector checks one protocol's signature on a payload and, on a
 * match, fills res->payload (and host/detail where the protocol has them)
 * and returns true. Detectors read only within [p, p+n). */
#ifndef PW_L7_DETECT_H
#define PW_L7_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l7/l7.h"

/* l7/tls/ */
bool pw_tls_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_dtls_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_quic_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

#endif

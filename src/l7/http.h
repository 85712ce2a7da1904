/* HTTP/1.x request and reply recognition. */
#ifndef PW_L7_HTTP_H
#define PW_L7_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Finds the value of the Host header of an HTTP request: *off and *len
 * span the hostname only (no port, no surrounding spaces). */
bool pw_http_host_span(const uint8_t *p, size_t n, size_t *off, size_t *len);

/* Length of the method token at the start of a request ("GET" -> 3), or 0
 * when p does not start with a known method followed by a space. */
size_t pw_http_method_len(const uint8_t *p, size_t n);

#endif

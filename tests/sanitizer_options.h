/* Include in (exactly one file of) a test binary whose model runs oneDNN.
 *
 * GCC 12's LeakSanitizer crashes at exit ("Tracer caught signal 11") when it
 * scans the dynamic TLS of threads started by a dlopen'ed library, here
 * oneDNN's OpenMP workers: google/sanitizers issue 1267, fixed in LLVM by
 * D147459. Not intercepting __tls_get_addr avoids it; leak checking stays on.
 * The sanitizer runtime reads these defaults; ASAN_OPTIONS still overrides. */
#ifndef LRF_TEST_SANITIZER_OPTIONS_H
#define LRF_TEST_SANITIZER_OPTIONS_H

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}

#endif

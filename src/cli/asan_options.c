/* Sanitizer builds only (-DLRF_SANITIZE=ON): lrfind's AddressSanitizer defaults.
 * GCC 12's LeakSanitizer crashes at exit ("Tracer caught signal 11") when it scans
 * the dynamic TLS of threads started by a dlopen'ed library -- oneDNN's OpenMP
 * workers, which every CNN starts: google/sanitizers issue 1267, fixed in LLVM by
 * D147459. Not intercepting __tls_get_addr avoids it; leak checking stays on.
 * The same setting as tests/sanitizer_options.h gives the test binaries;
 * ASAN_OPTIONS still overrides it. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LRF_CLI_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LRF_CLI_ASAN 1
#endif

#ifdef LRF_CLI_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int lrf_cli_asan_options_unused;
#endif

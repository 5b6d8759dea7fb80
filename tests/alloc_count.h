/* Counting heap allocations in a test (no allocation on a hot path): mallinfo2, or
 * under AddressSanitizer the sanitizer's malloc hook. Include in one file per binary. */
#ifndef LRF_TEST_ALLOC_COUNT_H
#define LRF_TEST_ALLOC_COUNT_H

#include <stddef.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Counting allocations. Under AddressSanitizer glibc's mallinfo2() reads 0 == 0 (ASan
 * has its own allocator), so there the sanitizer's malloc hook counts every allocation
 * instead (also ones freed again at once); without either the check is skipped, and
 * says so. */
#if defined(__SANITIZE_ADDRESS__)
#define LRF_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LRF_TEST_ASAN 1
#endif
#endif

#ifdef LRF_TEST_ASAN
/* The sanitizer runtime's own interface (sanitizer/allocator_interface.h, which gcc
 * does not install). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static size_t mallocs_seen;
static void on_malloc(const volatile void *p, size_t size)
{
    (void)p;
    (void)size;
    mallocs_seen++;
}
static void on_free(const volatile void *p)
{
    (void)p;
}
#endif

/* How allocations are counted here, or NULL when they cannot be. */
static const char *alloc_counter(void)
{
#ifdef LRF_TEST_ASAN
    static int installed;
    if (!installed)
        installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) > 0;
    return installed ? "sanitizer malloc hook" : NULL;
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    return "mallinfo2";
#else
    return NULL;
#endif
}

/* A number that changes when the heap is used: allocations seen (ASan) or bytes in use. */
static size_t heap_use(void)
{
#ifdef LRF_TEST_ASAN
    return mallocs_seen;
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

#endif

# The external libraries liblrf links, declared ONCE, here.
#
# This file is read twice, in the same way:
#   - by the project's CMakeLists.txt, to build (every dependency REQUIRED);
#   - installed beside lrfConfig.cmake, by find_package(lrf) in a client project, so
#     the client finds the same libraries and gets the same imported targets.
# The declarations also make lrf.pc's Requires.private and Libs.private (for
# `pkg-config --static`), and the list of targets the static liblrf carries.
#
# To add a dependency: one lrf_dependency() line at the end of this file, then link
# its TARGET to the module that uses it (lrf_add_module(... LIBS <TARGET>)). Order
# matters for static linking: a library before the libraries it needs itself. A
# dependency of an optional part goes under its switch, e.g. if(LRF_MPI) ... endif():
# the config sees the switches the library was built with (lrfOptions.cmake).
#
#   lrf_dependency(NAME
#       { PACKAGE <find_package name> [COMPONENTS ...] TARGET <its imported target>
#       | LIBRARY <library name> [HEADER <header> [HEADER_SUFFIXES <dir>...]] }
#       { PC_REQUIRES <pkg-config module> | PC_LIBS <linker flags> })
#
# PACKAGE: a library with a CMake package or find module (Threads, ZLIB, MPI, dnnl).
# LIBRARY: one without (Debian's OpenBLAS and libcsv ship none): found by name and
# imported as lrf::NAME; HEADER is looked up only to build lrf (the public headers
# include none of these), the cache variables are LRF_<NAME>_LIBRARY / _INCLUDE_DIR.
# PC_REQUIRES names a pkg-config module (preferred: its own static dependencies follow,
# e.g. OpenBLAS's -lgfortran); PC_LIBS gives the flags when there is no .pc file.
#
# Results: the global properties LRF_DEPENDENCY_TARGETS, LRF_PC_REQUIRES_PRIVATE and
# LRF_PC_LIBS_PRIVATE; in a client (LRF_DEPENDENCY_MODE = config) a missing library is
# recorded in LRF_DEPENDENCY_MISSING instead of stopping, so find_package(lrf) can fail
# politely.

if(NOT DEFINED LRF_DEPENDENCY_MODE)
    set(LRF_DEPENDENCY_MODE build)
endif()
set(LRF_DEPENDENCY_MISSING "")
set_property(GLOBAL PROPERTY LRF_DEPENDENCY_TARGETS "")
set_property(GLOBAL PROPERTY LRF_PC_REQUIRES_PRIVATE "")
set_property(GLOBAL PROPERTY LRF_PC_LIBS_PRIVATE "")

function(lrf_dependency name)
    cmake_parse_arguments(D "" "PACKAGE;TARGET;LIBRARY;HEADER;PC_REQUIRES;PC_LIBS"
                          "COMPONENTS;HEADER_SUFFIXES" ${ARGN})
    if(LRF_DEPENDENCY_MODE STREQUAL "build")
        set(required REQUIRED)
    else()
        set(required "")
    endif()
    if(D_PACKAGE)
        set(target ${D_TARGET})
        if(NOT TARGET ${target})
            if(D_COMPONENTS)
                find_package(${D_PACKAGE} ${required} QUIET COMPONENTS ${D_COMPONENTS})
            else()
                find_package(${D_PACKAGE} ${required} QUIET)
            endif()
        endif()
    else()
        string(TOUPPER ${name} upper)
        set(target lrf::${name})
        find_library(LRF_${upper}_LIBRARY NAMES ${D_LIBRARY} ${required})
        if(D_HEADER AND LRF_DEPENDENCY_MODE STREQUAL "build")
            find_path(LRF_${upper}_INCLUDE_DIR ${D_HEADER} PATH_SUFFIXES ${D_HEADER_SUFFIXES}
                      REQUIRED)
        endif()
        if(LRF_${upper}_LIBRARY AND NOT TARGET ${target})
            add_library(${target} UNKNOWN IMPORTED)
            set_target_properties(${target} PROPERTIES IMPORTED_LOCATION
                                  "${LRF_${upper}_LIBRARY}")
            if(LRF_${upper}_INCLUDE_DIR)
                set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
                                      "${LRF_${upper}_INCLUDE_DIR}")
            endif()
        endif()
    endif()
    if(NOT TARGET ${target})
        set(LRF_DEPENDENCY_MISSING ${LRF_DEPENDENCY_MISSING} ${name} PARENT_SCOPE)
    endif()
    set_property(GLOBAL APPEND PROPERTY LRF_DEPENDENCY_TARGETS ${target})
    if(D_PC_REQUIRES)
        set_property(GLOBAL APPEND PROPERTY LRF_PC_REQUIRES_PRIVATE ${D_PC_REQUIRES})
    endif()
    if(D_PC_LIBS)
        set_property(GLOBAL APPEND PROPERTY LRF_PC_LIBS_PRIVATE ${D_PC_LIBS})
    endif()
endfunction()

# --- the dependencies (all from Debian packages; scripts/setup.sh installs them) ---
# Not link dependencies: OpenBLAS (libopenblas.so.0) and oneDNN (libdnnl.so.2), which
# the model loads at run time when one is created (src/model/module.cmake, backend.c;
# dlopen is in glibc's libc since 2.34).
lrf_dependency(csv LIBRARY csv HEADER csv.h PC_LIBS -lcsv)
lrf_dependency(zlib PACKAGE ZLIB TARGET ZLIB::ZLIB PC_REQUIRES zlib) # gzip-compressed CSV input
lrf_dependency(m LIBRARY m PC_LIBS -lm)
lrf_dependency(Threads PACKAGE Threads TARGET Threads::Threads PC_LIBS -lpthread)
# The MPI job of lrfind under mpirun (src/dist); Debian's libopenmpi-dev, shared only.
if(LRF_MPI)
    lrf_dependency(MPI PACKAGE MPI COMPONENTS C TARGET MPI::MPI_C PC_REQUIRES ompi-c)
endif()

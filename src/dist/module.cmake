# Which implementation dist.c compiles: MPI's, or the single process only.
if(LRF_MPI)
    target_compile_definitions(${target} PRIVATE LRF_MPI=1)
endif()

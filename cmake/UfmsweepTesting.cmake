# ufmsweep_add_test(NAME <name> (SOURCES <c files> | COMMAND <cmd...>)
#                   [NPROCS <n> | NPROCS_HINT <n>] [LABELS <labels...>] [TIMEOUT <s>]
#                   [ARGS <args...>])
#
# SOURCES builds one test executable linked with ufm_core (and MPI when NPROCS is given) and runs
# it, under ${MPIEXEC_EXECUTABLE} -n NPROCS when NPROCS is given. COMMAND runs an arbitrary command
# (scripts); NPROCS_HINT tells CTest how many cores a script's own mpirun calls use. Every test gets LABELS, PROCESSORS (= NPROCS or 1), a TIMEOUT (default 120 s) so a hung
# rank cannot stall CI, its own WORKING_DIRECTORY under the build tree, and the environment MPI
# needs on this machine: root allowed, oversubscription allowed, one BLAS thread per rank.
set(UFMSWEEP_TEST_ENV
  "OMPI_ALLOW_RUN_AS_ROOT=1"
  "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
  "OMPI_MCA_rmaps_base_oversubscribe=1"
  "OPENBLAS_NUM_THREADS=1"
  "MPLBACKEND=Agg"
  "UFMSWEEP=$<TARGET_FILE:ufmsweep>"
  "UFMSWEEP_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "MPIEXEC=${MPIEXEC_EXECUTABLE}"
  "UFMSWEEP_PYTHON=${UFMSWEEP_PYTHON}"
  "UFMSWEEP_BUILD_DIR=${PROJECT_BINARY_DIR}")

function(ufmsweep_add_test)
  cmake_parse_arguments(T "" "NAME;NPROCS;NPROCS_HINT;TIMEOUT" "SOURCES;COMMAND;LABELS;ARGS;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set(procs 1)
  if(T_NPROCS)
    set(procs ${T_NPROCS})
  elseif(T_NPROCS_HINT)
    # a script that launches its own MPI jobs: reserve the cores it uses
    set(procs ${T_NPROCS_HINT})
  endif()
  set(workdir ${CMAKE_CURRENT_BINARY_DIR}/work/${T_NAME})
  file(MAKE_DIRECTORY ${workdir})
  if(T_SOURCES)
    add_executable(${T_NAME} ${T_SOURCES})
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_options(${T_NAME} PRIVATE ${UFMSWEEP_WARNINGS})
    target_link_libraries(${T_NAME} PRIVATE ufm_core ${T_LIBS})
    if(T_NPROCS)
      target_link_libraries(${T_NAME} PRIVATE MPI::MPI_C)
      set(cmd ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${T_NPROCS} ${MPIEXEC_PREFLAGS}
              $<TARGET_FILE:${T_NAME}> ${MPIEXEC_POSTFLAGS} ${T_ARGS})
    else()
      set(cmd $<TARGET_FILE:${T_NAME}> ${T_ARGS})
    endif()
  else()
    set(cmd ${T_COMMAND} ${T_ARGS})
  endif()
  add_test(NAME ${T_NAME} COMMAND ${cmd} WORKING_DIRECTORY ${workdir})
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABELS}" PROCESSORS ${procs} TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${UFMSWEEP_TEST_ENV}")
endfunction()

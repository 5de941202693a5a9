# Writes OUT (a header defining UFMSWEEP_SOURCE_COMMIT) from the git checkout at SRC: the commit
# the binary is built from, "+modified" when tracked files differ from it, "unknown" outside a
# checkout. Run at every build (a target without outputs), rewriting OUT only when it changes,
# so a commit made after configuring is still the one recorded.
find_package(Git QUIET)
set(commit "unknown")
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" rev-parse HEAD
                  OUTPUT_VARIABLE head RESULT_VARIABLE rc ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0 AND head MATCHES "^[0-9a-f]+$")
    set(commit "${head}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" diff --quiet HEAD --
                    RESULT_VARIABLE dirty ERROR_QUIET)
    if(NOT dirty EQUAL 0)
      set(commit "${commit}+modified")
    endif()
  endif()
endif()
set(text "/* Generated at build time by cmake/source_commit.cmake: do not edit. */\n#define UFMSWEEP_SOURCE_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()

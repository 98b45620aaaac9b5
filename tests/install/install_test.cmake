# Installs optin into a fresh prefix, builds examples/ against the installed
# package alone (find_package(optin), no path into the source tree), and runs
# the example on a store the installed binary made: what a user embedding
# optin does.
#
# cmake -DBUILD=<optin build> -DSOURCE=<optin source> -DWORK=<scratch> -DCXX=<compiler> -P install_test.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "`${ARGN}` failed (${code}):\n${out}\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
foreach(installed bin/optin include/optin/engine.h include/optin/enforce.h lib/cmake/optin/optinConfig.cmake)
  if(NOT EXISTS ${prefix}/${installed})
    message(FATAL_ERROR "the install has no ${installed}")
  endif()
endforeach()
file(GLOB_RECURSE internal ${prefix}/include/*src*)
if(internal)
  message(FATAL_ERROR "internal headers were installed: ${internal}")
endif()

# The example, configured on its own against the prefix.
run(${CMAKE_COMMAND} -S ${SOURCE}/examples -B ${WORK}/examples -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK}/examples)

# A store made by the installed binary; the example filters two records by it.
set(db ${WORK}/optin.db)
run(${prefix}/bin/optin --db ${db} init --demo)
run(${prefix}/bin/optin --db ${db} grant alice ad_targeting)
file(WRITE ${WORK}/records.jsonl
  "{\"subject\":\"alice\",\"url\":\"https://a.example/\",\"bytes\":1}\n{\"subject\":\"bob\",\"url\":\"https://b.example/\",\"bytes\":2}\n")
execute_process(COMMAND ${WORK}/examples/consent_filter ${db} ad_targeting
                INPUT_FILE ${WORK}/records.jsonl RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "consent_filter failed (${code}): ${err}")
endif()
# Alice agreed: her record whole. Bob did not: his record without the
# browsing history (redacted, as the example asks).
if(NOT out MATCHES "\"subject\":\"alice\",\"url\":\"https://a.example/\"" OR out MATCHES "b.example")
  message(FATAL_ERROR "consent_filter kept the wrong fields:\n${out}")
endif()
message(STATUS "installed, built examples/ against the package, filtered:\n${out}")

# `cmake --install`: the optin binary, the public headers, and the library
# with a CMake package, so that a program can embed optin with
#
#   find_package(optin REQUIRED)
#   target_link_libraries(app PRIVATE optin::optin)
#
# (examples/ is built that way against an installed copy by a test).
include(CMakePackageConfigHelpers)

# Every library the embeddable optin links, in the package's export set.
set(optin_exported_libraries
  optin_common optin_catalog optin_ledger optin_index optin_proof optin_signals optin_recipients optin_usage
  optin_store_memory optin_store_sqlite optin_store_postgres optin_store optin_engine optin_enforce)
set_target_properties(optin_lib PROPERTIES EXPORT_NAME optin)
add_library(optin::optin ALIAS optin_lib)

install(TARGETS optin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/optin DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS optin_lib ${optin_exported_libraries} EXPORT optinTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT optinTargets NAMESPACE optin:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/optin)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/optinConfig.cmake.in
  ${PROJECT_BINARY_DIR}/optinConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/optin)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/optinConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/optinConfig.cmake ${PROJECT_BINARY_DIR}/optinConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/optin)

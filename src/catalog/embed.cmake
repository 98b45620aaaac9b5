# Writes OUT, a C++ file defining optin::DemoCatalogYaml() from the bytes of IN.
file(READ ${IN} text)
string(FIND "${text}" ")optin_yaml\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
file(WRITE ${OUT} "#include \"optin/catalog.h\"\nnamespace optin {\nstd::string_view DemoCatalogYaml() {\n  static constexpr char kText[] = R\"optin_yaml(${text})optin_yaml\";\n  return {kText, sizeof kText - 1};\n}\n}  // namespace optin\n")

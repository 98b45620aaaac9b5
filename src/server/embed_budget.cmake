# Fails the build when a file of the website embed grows past its budget,
# gzipped at level 9: what a visitor downloads (docs/embed.md, "Size").
# Run with -DWEB=<web/> -DWORK=<scratch dir>.
set(budgets "embed/loader.js=3072" "embed/ui.js=12288" "embed/ui.css=4096")
file(MAKE_DIRECTORY ${WORK})
foreach(entry ${budgets})
  string(REPLACE "=" ";" pair ${entry})
  list(GET pair 0 file)
  list(GET pair 1 budget)
  get_filename_component(name ${file} NAME)
  file(ARCHIVE_CREATE OUTPUT ${WORK}/${name}.gz PATHS ${WEB}/${file} FORMAT raw COMPRESSION GZip
       COMPRESSION_LEVEL 9)
  file(SIZE ${WORK}/${name}.gz size)
  if(size GREATER budget)
    message(FATAL_ERROR "web/${file} is ${size} bytes gzipped, over its budget of ${budget} bytes")
  endif()
endforeach()

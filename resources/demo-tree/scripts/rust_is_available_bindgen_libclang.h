/* bindgen reports the version of the libclang it uses through this message. */
#pragma message("clang version " __clang_version__)

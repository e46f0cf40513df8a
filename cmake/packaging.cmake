# `cpack -G DEB` (from the build directory) makes coldstart_<version>_<arch>.deb: the binary, the man
# page and the completions. Its Depends are computed by dpkg-shlibdeps from the libraries the binary
# links, so they are exactly the Debian runtime packages (libcurl4, libarchive13, libzstd1, ...).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "coldstart")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "coldstart maintainers <coldstart@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cut the cold start of AI inference images on Kubernetes")
set(CPACK_PACKAGE_DESCRIPTION
    "coldstart inspects and analyses container images (stable vs volatile layers, files, model\n"
    "weights), plans node caches and P2P, prewarms nodes and recommends predictive autoscaling.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "containerd, skopeo")
set(CPACK_STRIP_FILES ON)
include(CPack)

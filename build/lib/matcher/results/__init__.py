"""The measured figures written by ``matcher bench …``, shipped with matcher as the package
``matcher.results`` so that the navigation map can quote them from an installed package."""

// Placeholder so the predict library has a translation unit until the series code lands.

notice("value: ${1.5}")

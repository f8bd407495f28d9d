node /^(web|app)\d+\.example\.com$/, 'lb01' {
  include role::web
}

# @summary The response header naming the host that served a request.
function profile::served_by(String[1] $host) >> String {
  "add_header X-Served-By ${host};"
}

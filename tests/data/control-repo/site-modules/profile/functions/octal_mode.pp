# @summary A file mode string from a number Hiera read as octal (YAML 1.1: 0640 is 416).
function profile::octal_mode(Integer[0, 4095] $mode) >> String {
  sprintf('%04o', $mode)
}

# a comment
/* a block
   comment */
package { 'x': # trailing
  ensure => present, /* inline */
}

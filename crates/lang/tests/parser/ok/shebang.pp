#!/usr/bin/env puppet apply
package { "curl": ensure => present }

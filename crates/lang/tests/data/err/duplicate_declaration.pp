package { 'nginx': ensure => installed }
package { 'nginx': ensure => latest }

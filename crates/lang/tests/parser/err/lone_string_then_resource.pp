'orphan'
package { 'x': }

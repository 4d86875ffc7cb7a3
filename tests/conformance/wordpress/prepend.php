<?php
// What "SetEnv WORDPRESS_CONFIG telltale-conformance" does under Apache
// (Debian's README.Debian): PHP's built-in server has no SetEnv, so this runs
// first in every request (php -d auto_prepend_file=...).
$_SERVER['WORDPRESS_CONFIG'] = 'telltale-conformance';

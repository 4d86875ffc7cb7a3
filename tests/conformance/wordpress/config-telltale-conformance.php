<?php
// Installed as /etc/wordpress/config-telltale-conformance.php by the
// conformance suite: each run's own configuration is the file its server's
// environment names (TT_WORDPRESS_CONFIG), so runs never share one.
require getenv('TT_WORDPRESS_CONFIG');

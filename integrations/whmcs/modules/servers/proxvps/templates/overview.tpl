{* The service's overview tab in WHMCS's client area: proxvps's summary and the link into its client area. *}
{if $proxvps}
<div class="row">
  <div class="col-sm-6">
    <h4>{$proxvps.hostname}</h4>
    <p>{$proxvps.status}</p>
    <p>{$proxvps.ipv4|@implode:', '} {$proxvps.ipv6|@implode:', '}</p>
    <p>{$proxvps.operating_system}</p>
  </div>
  <div class="col-sm-6">
    <a class="btn btn-primary" href="{$proxvpsSsoLink}" target="_blank">{$LANG.clientareaproductdetails}</a>
  </div>
</div>
{else}
<div class="alert alert-warning">{$proxvpsError}</div>
{/if}
